// Getting data in: file picker (many files), folder picker, drag and drop of files and whole
// folders, pasted text. Files are handed to the worker as File objects: nothing is uploaded.
import type { LoadItem } from '../protocol';
import { h } from './dom';

/** Every file under a dropped entry, with its path relative to what was dropped. */
async function walk(entry: FileSystemEntry, out: LoadItem[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ name: entry.fullPath.replace(/^\//, ''), file });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (batch.length === 0) break;
      for (const e of batch) await walk(e, out);
    }
  }
}

/** Files in the CLI's order: sorted by path. Documentation files are kept (they become errors). */
function sorted(items: LoadItem[]): LoadItem[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function fromFileList(list: FileList | File[]): LoadItem[] {
  return sorted(Array.from(list, (f) => ({ name: f.webkitRelativePath || f.name, file: f })));
}

export class Loader {
  readonly fileInput = h('input', { type: 'file', multiple: true, 'data-testid': 'file-input', class: 'visually-hidden', id: 'file-input' });
  readonly folderInput = h('input', { type: 'file', multiple: true, webkitdirectory: true, 'data-testid': 'folder-input', class: 'visually-hidden', id: 'folder-input' });
  readonly el: HTMLElement;
  private pasteDialog: HTMLDialogElement;
  private pasteCount = 0;

  constructor(private onItems: (items: LoadItem[]) => void) {
    for (const input of [this.fileInput, this.folderInput]) {
      input.addEventListener('change', () => {
        if (input.files && input.files.length) this.onItems(fromFileList(input.files));
        input.value = '';
      });
    }
    const area = h('textarea', { rows: 14, cols: 100, placeholder: 'Paste server access log lines or CloudTrail JSON here', 'data-testid': 'paste-text', spellcheck: 'false' });
    this.pasteDialog = h(
      'dialog',
      { class: 'paste' },
      h('form', { method: 'dialog' }, h('h3', null, 'Paste log text'), area, h('div', { class: 'row' }, h('button', { value: 'cancel' }, 'Cancel'), h('button', { value: 'load', 'data-testid': 'paste-load' }, 'Load'))),
    );
    this.pasteDialog.addEventListener('close', () => {
      if (this.pasteDialog.returnValue === 'load' && area.value.trim() !== '') this.loadText(area.value);
      area.value = '';
    });
    this.el = h(
      'div',
      { class: 'loader' },
      this.fileInput,
      this.folderInput,
      h('label', { for: 'file-input', class: 'button' }, 'Open files'),
      h('label', { for: 'folder-input', class: 'button' }, 'Open folder'),
      h('button', { onclick: () => this.pasteDialog.showModal(), 'data-testid': 'paste-open' }, 'Paste'),
      this.pasteDialog,
    );

    // Drag and drop anywhere on the page.
    window.addEventListener('dragover', (e) => {
      e.preventDefault();
      document.body.classList.add('dragging');
    });
    window.addEventListener('dragleave', (e) => {
      if (e.relatedTarget === null) document.body.classList.remove('dragging');
    });
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      document.body.classList.remove('dragging');
      void this.drop(e.dataTransfer);
    });
    // Pasting outside a text field loads the clipboard's text.
    window.addEventListener('paste', (e) => {
      const t = e.target as HTMLElement;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
      const text = e.clipboardData?.getData('text/plain');
      if (text && text.trim() !== '') {
        e.preventDefault();
        this.loadText(text);
      }
    });
  }

  loadText(text: string) {
    this.pasteCount++;
    this.onItems([{ name: `pasted-${this.pasteCount}`, text }]);
  }

  private async drop(dt: DataTransfer | null) {
    if (!dt) return;
    const items: LoadItem[] = [];
    const entries = Array.from(dt.items)
      .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null))
      .filter((e): e is FileSystemEntry => e !== null);
    if (entries.length) {
      for (const e of entries) await walk(e, items);
    } else {
      for (const f of Array.from(dt.files)) items.push({ name: f.name, file: f });
    }
    if (!items.length) {
      const text = dt.getData('text/plain');
      if (text) this.loadText(text);
      return;
    }
    this.onItems(sorted(items));
  }
}
