//! Command-line parsing (lexopt) and the usage text.

use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "\
Usage: s3norm normalize [--raw] [--strict] [--errors PATH] [--threads N] [--quiet] [FILE|DIR|-]...
       s3norm serve --listen ADDR [--raw]   (see s3norm serve --help)
       s3norm correlate [--merge-memory MIB] [--strict] [--errors PATH] [--quiet] [FILE|DIR|-]...
       s3norm coverage [--json] [--errors PATH] [FILE|DIR|-]...

Normalize Amazon S3 server access logs and CloudTrail S3 records into OCSF 1.8.0
API Activity events, written as NDJSON on standard output.

Each FILE may be plain or gzip-compressed (detected by content, concatenated
members included). A DIR is walked recursively in sorted order, without following
symlinked directories. '-', or no path at all, reads standard input.

Options:
      --raw          put the original line or record text into raw_data
      --strict       exit with status 2 if any input unit was refused
      --errors PATH  write error records (NDJSON) to PATH instead of standard error
      --threads N    read a large file on N threads (default: one per processor, at
                     most 4; 1: one thread); the output is the same whatever N
  -q, --quiet        do not print the summary line on standard error
  -h, --help         print this help and exit
  -V, --version      print the version and exit

's3norm serve --help', 's3norm correlate --help' and 's3norm coverage --help' describe
the other commands.

Exit status: 0 success; 1 an input (or an output) could not be read or written;
2 --strict and at least one error record; 64 usage error.
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Normalize(Args),
    Serve(crate::serve::ServeCommand),
    /// `correlate` or `coverage` (crate::correlate).
    Correlate(crate::correlate::Args),
}

/// Options of `s3norm normalize`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Args {
    pub raw: bool,
    pub strict: bool,
    pub quiet: bool,
    /// Where error records go; `None`: standard error.
    pub errors: Option<PathBuf>,
    /// Inputs in command-line order; `-` is standard input. Empty: standard input.
    pub paths: Vec<OsString>,
    /// Threads a large file is read on; `None`: as many as the machine has.
    pub threads: Option<usize>,
}

/// Parse the arguments after the program name. `Err` carries a message for a usage error.
pub fn parse<I>(args: I) -> Result<Command, String>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::prelude::*;

    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // `serve`, `correlate` and `coverage` have their own options; `normalize` is parsed below.
    let kind = match args.first().and_then(|a| a.to_str()) {
        Some("serve") => return crate::serve::parse_args(&args[1..]).map(Command::Serve),
        Some("correlate") => Some(crate::correlate::Kind::Correlate),
        Some("coverage") => Some(crate::correlate::Kind::Coverage),
        _ => None,
    };
    if let Some(kind) = kind {
        return crate::correlate::parse(kind, args.into_iter().skip(1)).map(Command::Correlate);
    }
    let mut parser = lexopt::Parser::from_args(args);
    let mut command_seen = false;
    let mut out = Args::default();
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(e) => return Err(e.to_string()),
        };
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("raw") => out.raw = true,
            Long("threads") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                match value.to_str().and_then(|v| v.parse::<usize>().ok()) {
                    Some(n) if (1..=256).contains(&n) => out.threads = Some(n),
                    _ => return Err(format!("--threads takes a number from 1 to 256, not '{}'", value.to_string_lossy())),
                }
            }
            Long("strict") => out.strict = true,
            Short('q') | Long("quiet") => out.quiet = true,
            Long("errors") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                if value.is_empty() {
                    return Err("--errors needs a non-empty path".to_owned());
                }
                out.errors = Some(PathBuf::from(value));
            }
            Value(value) if !command_seen => {
                if value != "normalize" {
                    return Err(format!(
                        "unknown command '{}' (expected 'normalize', 'serve', 'correlate' or 'coverage')",
                        value.to_string_lossy()
                    ));
                }
                command_seen = true;
            }
            Value(value) => out.paths.push(value),
            other => return Err(other.unexpected().to_string()),
        }
    }
    if !command_seen {
        return Err("missing command (expected 'normalize', 'serve', 'correlate' or 'coverage')".to_owned());
    }
    Ok(Command::Normalize(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().copied())
    }

    #[test]
    fn parses_flags_paths_and_stdin() {
        let Ok(Command::Normalize(a)) = p(&["normalize", "--raw", "-q", "--errors=e.ndjson", "a.log", "-", "--", "--strict"]) else {
            panic!("expected normalize");
        };
        assert!(a.raw && a.quiet && !a.strict);
        assert_eq!(a.errors, Some(PathBuf::from("e.ndjson")));
        assert_eq!(a.paths, vec![OsString::from("a.log"), "-".into(), "--strict".into()]);
    }

    #[test]
    fn help_version_and_usage_errors() {
        assert_eq!(p(&["--help"]), Ok(Command::Help));
        assert_eq!(p(&["normalize", "-h", "x"]), Ok(Command::Help));
        assert_eq!(p(&["-V"]), Ok(Command::Version));
        assert!(p(&[]).is_err());
        assert!(p(&["frobnicate"]).is_err());
        assert!(p(&["normalize", "--bogus"]).is_err());
        assert!(p(&["normalize", "--errors"]).is_err());
        assert!(p(&["normalize", "--raw=yes"]).is_err());
    }
}
