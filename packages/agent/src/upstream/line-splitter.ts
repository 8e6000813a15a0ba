const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into newline-terminated lines (the MCP stdio framing). Each byte is
 * scanned once: a partial line is kept as a list of chunks and joined only when its newline
 * arrives, so a 20 MiB line costs one copy, not one per chunk. A trailing `\r` is dropped and
 * empty lines are skipped.
 */
export class LineSplitter {
  private readonly parts: Buffer[] = [];
  private partsLength = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes of the current unfinished line. */
  get pendingBytes(): number {
    return this.partsLength;
  }

  /**
   * Feeds one chunk; returns the whole lines it completed (possibly none). Throws RangeError
   * when a line grows past `maxLineBytes`.
   */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      let line: Buffer;
      if (this.parts.length === 0) {
        line = chunk.subarray(start, newline);
      } else {
        this.parts.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.parts, this.partsLength + newline - start);
        this.parts.length = 0;
        this.partsLength = 0;
      }
      if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
      if (line.length > this.maxLineBytes) throw new RangeError(`line of ${line.length} bytes`);
      if (line.length > 0) lines.push(line);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.parts.push(rest);
      this.partsLength += rest.length;
      if (this.partsLength > this.maxLineBytes)
        throw new RangeError(`line of over ${this.partsLength} bytes`);
    }
    return lines;
  }
}
