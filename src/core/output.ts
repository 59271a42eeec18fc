/** The last `lines` lines of a tool's output, for error messages: enough to act on, short enough to read. */
export function tail(output: string, lines = 20): string {
  const all = output.replace(/\s+$/, "").split("\n");
  const kept = all.slice(-lines);
  const cut = all.length - kept.length;
  return (cut > 0 ? [`... (${cut} earlier lines)`] : []).concat(kept).join("\n");
}

/** Indents every line of a block, to nest tool output under the line that names the tool. */
export function indent(block: string, prefix = "    "): string {
  return block
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}
