//! AWS vocabulary both sources share: ARNs and partitions, regions, TLS version spelling, and
//! the caller (principal) types. It sits below the SAL tokenizer, the CloudTrail reader and the
//! OCSF writers, so each of them speaks of AWS things through one piece of code and none of them
//! reaches into another.
//!
//! Everything here is a pure function of text: no allocation except where a spelling must change
//! ([`tls_version`]), no panics.

use crate::swar::split_once;
use std::borrow::Cow;
use std::fmt;

/// The caller type and name both sources use for an unauthenticated request.
pub const ANONYMOUS_NAME: &str = "anonymous";

/// What SAL's `-` remote IP and CloudTrail's missing `sourceIPAddress` mean: S3 itself made the
/// request (lifecycle, replication, log delivery). CloudTrail's own word for it.
pub const INTERNAL_SOURCE: &str = "AWS Internal";

/// The service name S3 records carry (`eventSource` of general purpose buckets).
pub const S3_SERVICE: &str = "s3.amazonaws.com";

/// Whether `s` is an IP address (OCSF refuses anything else in an `ip` field).
pub fn is_ip(s: &str) -> bool {
    s.len() <= 45 && s.parse::<std::net::IpAddr>().is_ok()
}

// ------------------------------------------------------------------------------------------------
// Regions and partitions

/// Whether `s` is shaped like an AWS region: `us-east-1`, `eu-central-2`, `us-gov-west-1`.
pub fn is_region(s: &str) -> bool {
    let mut parts = s.as_bytes().split(|&b| b == b'-');
    let first_ok = parts.next().is_some_and(|p| p.len() == 2 && p.iter().all(u8::is_ascii_lowercase));
    let (mut words, mut last_is_number) = (0, false);
    for part in parts {
        if last_is_number || part.is_empty() {
            return false; // digits only at the end; no empty parts
        }
        if part.iter().all(u8::is_ascii_digit) {
            last_is_number = part.len() <= 2;
            if !last_is_number {
                return false;
            }
        } else if part.iter().all(u8::is_ascii_lowercase) {
            words += 1;
        } else {
            return false;
        }
    }
    first_ok && words >= 1 && last_is_number
}

/// The ARN partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, the isolated
/// partitions for `us-iso-*`/`us-isob-*`/`eu-isoe-*`/`us-isof-*`, `aws-eusc` for `eusc-*`, and
/// `aws` for every other region and when the region is unknown (`None`).
pub fn partition_of(region: Option<&str>) -> &'static str {
    let Some(region) = region else { return "aws" };
    const PREFIXES: [(&str, &str); 6] = [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
    ];
    if region.starts_with("eusc-") {
        return "aws-eusc";
    }
    PREFIXES.iter().find(|(prefix, _)| region.starts_with(prefix)).map_or("aws", |(_, partition)| partition)
}

/// The region named by an S3 endpoint host (`b.s3.us-east-2.amazonaws.com`,
/// `s3-eu-west-1.amazonaws.com`, `b.s3-website-us-east-1.amazonaws.com`,
/// `b.s3.cn-north-1.amazonaws.com.cn`), if it names one.
pub fn region_from_host(host: &str) -> Option<&str> {
    let host = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    host.rsplit('.').find_map(|label| {
        let label = ["s3-website-", "s3-accesspoint-", "s3-fips-", "s3-"].iter().find_map(|p| label.strip_prefix(p)).unwrap_or(label);
        is_region(label).then_some(label)
    })
}

// ------------------------------------------------------------------------------------------------
// ARNs

/// A resource ARN: as a record gives it, or an S3 ARN built from partition, bucket and key. The
/// built form is written out only when the event is serialized, so no string is allocated per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arn<'a> {
    Given(&'a str),
    /// `arn:PARTITION:s3:::BUCKET`, or `arn:PARTITION:s3:::BUCKET/KEY` with a key.
    S3 {
        partition: &'static str,
        bucket: &'a str,
        key: Option<&'a str>,
    },
    /// An object in an S3 Express One Zone directory bucket:
    /// `arn:PARTITION:s3express:REGION:ACCOUNT:bucket/BUCKET/KEY`.
    ///
    /// AWS documents no object ARN for directory buckets: the Service Authorization Reference
    /// defines two `s3express` resource types, `bucket`
    /// (`arn:${Partition}:s3express:${Region}:${Account}:bucket/${BucketName}`) and `accesspoint`,
    /// and CloudTrail's directory-bucket records give the object only as an `ARNPrefix` (with or
    /// without `bucket/` and a trailing `/`: AWS's own examples disagree). This is the documented
    /// bucket ARN followed by `/` and the key, the way an `arn:aws:s3:::BUCKET/KEY` object ARN
    /// extends its bucket's and the way CloudTrail's lifecycle examples write the prefix
    /// (`arn:aws:s3express:us-east-2:637423581905:bucket/amzn-s3-demo-bucket--use2-az2--x-s3/`).
    S3Express {
        partition: &'a str,
        region: &'a str,
        account: &'a str,
        bucket: &'a str,
        key: &'a str,
    },
}

impl<'a> Arn<'a> {
    /// The ARN as given, when it was given rather than built.
    pub fn given(&self) -> Option<&'a str> {
        match self {
            Arn::Given(arn) => Some(arn),
            Arn::S3 { .. } | Arn::S3Express { .. } => None,
        }
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arn::Given(arn) => f.write_str(arn),
            Arn::S3 { partition, bucket, key: None } => write!(f, "arn:{partition}:s3:::{bucket}"),
            Arn::S3 { partition, bucket, key: Some(key) } => write!(f, "arn:{partition}:s3:::{bucket}/{key}"),
            Arn::S3Express { partition, region, account, bucket, key } => {
                write!(f, "arn:{partition}:s3express:{region}:{account}:bucket/{bucket}/{key}")
            }
        }
    }
}

impl serde::Serialize for Arn<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arn::Given(arn) => s.serialize_str(arn),
            built => s.collect_str(built),
        }
    }
}

/// The `n`th colon-separated part of an ARN (the last part keeps its colons).
fn arn_part(arn: &str, n: usize) -> Option<&str> {
    if !arn.starts_with("arn:") || n > 5 {
        return None;
    }
    let mut rest = arn;
    for _ in 0..n {
        rest = split_once(rest, b':')?.1;
    }
    Some(if n == 5 { rest } else { split_once(rest, b':').map_or(rest, |(part, _)| part) })
}

/// The partition, service, region and account of an ARN, and what follows them, when all are there.
pub fn arn_parts(arn: &str) -> Option<[&str; 5]> {
    let (partition, rest) = split_once(arn.strip_prefix("arn:")?, b':')?;
    let (service, rest) = split_once(rest, b':')?;
    let (region, rest) = split_once(rest, b':')?;
    let (account, resource) = split_once(rest, b':')?;
    Some([partition, service, region, account, resource])
}

/// The account ID of an ARN (`arn:partition:service:region:account:resource`), when it is one.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    arn_part(arn, 4).filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// The bucket name or object key inside an `arn:…:s3:::bucket/key` ARN.
pub fn name_in_s3_arn(arn: &str, object: bool) -> Option<&str> {
    let (_, path) = arn.split_once(":::")?;
    match (object, path.split_once('/')) {
        (true, Some((_, key))) if !key.is_empty() => Some(key),
        (false, Some((bucket, _))) if !bucket.is_empty() => Some(bucket),
        (false, None) if !path.is_empty() => Some(path),
        _ => None,
    }
}

// ------------------------------------------------------------------------------------------------
// Callers

/// The type of caller, in CloudTrail's `userIdentity.type` vocabulary, so the same caller gets the
/// same type whichever source saw it. CloudTrail types this crate does not list are kept as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserType<'a> {
    AssumedRole,
    FederatedUser,
    Root,
    IamUser,
    Role,
    AwsService,
    /// An S3 canonical user ID (SAL only: a 64-hex-digit requester).
    CanonicalUser,
    Anonymous,
    Unknown,
    /// Any other CloudTrail type (`AWSAccount`, `IdentityCenterUser`, `SAMLUser`, …), as written.
    Other(&'a str),
}

impl<'a> UserType<'a> {
    /// The type as written in events.
    pub fn as_str(&self) -> &'a str {
        match self {
            UserType::AssumedRole => "AssumedRole",
            UserType::FederatedUser => "FederatedUser",
            UserType::Root => "Root",
            UserType::IamUser => "IAMUser",
            UserType::Role => "Role",
            UserType::AwsService => "AWSService",
            UserType::CanonicalUser => "CanonicalUser",
            UserType::Anonymous => "Anonymous",
            UserType::Unknown => "Unknown",
            UserType::Other(s) => s,
        }
    }

    /// A CloudTrail `userIdentity.type`.
    pub fn from_cloudtrail(s: &'a str) -> Self {
        match s {
            "AssumedRole" => UserType::AssumedRole,
            "FederatedUser" => UserType::FederatedUser,
            "Root" => UserType::Root,
            "IAMUser" => UserType::IamUser,
            "Role" => UserType::Role,
            "AWSService" => UserType::AwsService,
            "Anonymous" => UserType::Anonymous,
            "Unknown" => UserType::Unknown,
            other => UserType::Other(other),
        }
    }

    /// The type of an IAM/STS ARN (a SAL requester), or `Unknown`.
    pub fn from_arn(arn: &str) -> UserType<'static> {
        let resource = arn_part(arn, 5).unwrap_or("");
        match arn_part(arn, 2) {
            Some("sts") if resource.starts_with("assumed-role/") => UserType::AssumedRole,
            Some("sts") if resource.starts_with("federated-user/") => UserType::FederatedUser,
            Some("iam") if resource == "root" => UserType::Root,
            Some("iam") if resource.starts_with("user/") => UserType::IamUser,
            Some("iam") if resource.starts_with("role/") => UserType::Role,
            _ => UserType::Unknown,
        }
    }
}

/// A user whose type is not known yet is `Unknown`.
impl Default for UserType<'_> {
    fn default() -> Self {
        UserType::Unknown
    }
}

impl serde::Serialize for UserType<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

// ------------------------------------------------------------------------------------------------
// TLS

/// `TLSv1.2` for any spelling (`TLSV1.2` in AWS's own examples): one spelling for both sources.
pub fn tls_version(v: &str) -> Cow<'_, str> {
    match v.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tlsv") && &v[..4] != "TLSv" => Cow::Owned(format!("TLSv{}", &v[4..])),
        _ => Cow::Borrowed(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts_split_as_splitn_does() {
        for arn in [
            "arn:aws:s3:::b/k:x",
            "arn:aws:iam::123456789012:user/a",
            "arn:aws",
            "arn:",
            "arn:aws:s3::",
            "arn:aws:s3:::",
            "x:aws:s3:::b",
            "arn::::::::",
        ] {
            for n in 0..8 {
                let want = if arn.starts_with("arn:") { arn.splitn(6, ':').nth(n) } else { None };
                assert_eq!(arn_part(arn, n), want, "{arn} {n}");
            }
            let want = arn.strip_prefix("arn:").and_then(|rest| {
                let mut parts = rest.splitn(5, ':');
                Some([parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?])
            });
            assert_eq!(arn_parts(arn), want, "{arn}");
        }
    }

    #[test]
    fn built_arns_serialize_as_text() {
        let object = Arn::S3 { partition: "aws", bucket: "b", key: Some("k/é x") };
        assert_eq!(serde_json::to_string(&object).unwrap(), "\"arn:aws:s3:::b/k/é x\"");
        assert_eq!(Arn::S3 { partition: "aws-cn", bucket: "b", key: None }.to_string(), "arn:aws-cn:s3:::b");
        assert_eq!(serde_json::to_string(&Arn::Given("arn:aws:s3:::\"q")).unwrap(), "\"arn:aws:s3:::\\\"q\"");
    }

    #[test]
    fn directory_bucket_object_arns() {
        let arn =
            Arn::S3Express { partition: "aws", region: "us-west-2", account: "111122223333", bucket: "b--usw2-az1--x-s3", key: "k/x" };
        assert_eq!(arn.to_string(), "arn:aws:s3express:us-west-2:111122223333:bucket/b--usw2-az1--x-s3/k/x");
        assert_eq!(arn_parts("arn:aws:s3express:us-west-2:1:bucket/b"), Some(["aws", "s3express", "us-west-2", "1", "bucket/b"]));
        assert_eq!(arn_parts("arn:aws:s3:::b/k:1"), Some(["aws", "s3", "", "", "b/k:1"]));
        assert_eq!(arn_parts("arn:aws:s3"), None);
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of(Some("us-east-1")), "aws");
        assert_eq!(partition_of(Some("cn-north-1")), "aws-cn");
        assert_eq!(partition_of(Some("cn-northwest-1")), "aws-cn");
        assert_eq!(partition_of(Some("us-gov-west-1")), "aws-us-gov");
        assert_eq!(partition_of(Some("us-iso-east-1")), "aws-iso");
        assert_eq!(partition_of(Some("us-isob-east-1")), "aws-iso-b");
        assert_eq!(partition_of(Some("eusc-de-east-1")), "aws-eusc");
        assert_eq!(partition_of(None), "aws");
    }

    #[test]
    fn arn_types() {
        assert_eq!(UserType::from_arn("arn:aws:iam::123456789012:user/Bob"), UserType::IamUser);
        assert_eq!(UserType::from_arn("arn:aws:sts::123456789012:assumed-role/R/s"), UserType::AssumedRole);
        assert_eq!(UserType::from_arn("arn:aws-cn:iam::123456789012:root"), UserType::Root);
        assert_eq!(UserType::from_arn("arn:aws:sts::123456789012:federated-user/f"), UserType::FederatedUser);
        assert_eq!(UserType::from_arn("AmazonS3"), UserType::Unknown);
        assert_eq!(UserType::from_cloudtrail("IAMUser"), UserType::IamUser);
        assert_eq!(UserType::from_cloudtrail("SAMLUser").as_str(), "SAMLUser");
        assert_eq!(account_of_arn("arn:aws:iam::123456789012:user/Bob"), Some("123456789012"));
        assert_eq!(account_of_arn("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"), None);
        assert_eq!(account_of_arn("arn:aws:iam::123:user/x"), None);
    }

    #[test]
    fn names_from_s3_arns() {
        assert_eq!(name_in_s3_arn("arn:aws:s3:::b/k/with/slashes", true), Some("k/with/slashes"));
        assert_eq!(name_in_s3_arn("arn:aws:s3:::b", false), Some("b"));
        assert_eq!(name_in_s3_arn("arn:aws:s3:::b/", false), Some("b"));
        assert_eq!(name_in_s3_arn("arn:aws:s3:::/b", false), None, "no bucket name before the slash");
        assert_eq!(name_in_s3_arn("arn:aws:s3-outposts:us-east-1:1:outpost/o/bucket/b", false), None);
    }

    #[test]
    fn tls_spelling() {
        assert_eq!(tls_version("TLSV1.2"), "TLSv1.2");
        assert_eq!(tls_version("TLSv1.3"), "TLSv1.3");
        assert!(matches!(tls_version("TLSv1.3"), Cow::Borrowed(_)));
        assert_eq!(tls_version("é"), "é");
    }

    #[test]
    fn regions_from_hosts() {
        assert_eq!(region_from_host("DOC-EXAMPLE-BUCKET1.s3.us-west-1.amazonaws.com"), Some("us-west-1"));
        assert_eq!(region_from_host("s3-eu-west-1.amazonaws.com"), Some("eu-west-1"));
        assert_eq!(region_from_host("s3.eu-central-1.amazonaws.com"), Some("eu-central-1"));
        assert_eq!(region_from_host("w.s3-website-us-east-1.amazonaws.com"), Some("us-east-1"));
        assert_eq!(region_from_host("b.s3.dualstack.us-gov-west-1.amazonaws.com"), Some("us-gov-west-1"));
        assert_eq!(region_from_host("b.s3.cn-north-1.amazonaws.com.cn"), Some("cn-north-1"));
        assert_eq!(region_from_host("dandiarchive.s3.amazonaws.com"), None);
        assert_eq!(region_from_host("media.kerkdienstgemist.nl"), None);
    }
}
