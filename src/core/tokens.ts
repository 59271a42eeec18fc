/**
 * Tokens as they travel: in an HTTP header (a bearer or basic credential). Checked before any call, because an
 * HTTP client refusing a header quotes the value in its error, and errors reach reports and logs.
 */
import { SettingsError } from "./errors.js";

/** Whether `text` holds a character no HTTP header value can carry (RFC 9110: CR, LF, NUL, other controls; not tab). */
function hasControlCharacter(text: string): boolean {
  return [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== "\t") || code === 0x7f;
  });
}

/**
 * The token without surrounding whitespace (a secret read from a file keeps its final newline), or undefined when
 * nothing is left (GitHub hands forks' pull requests empty secrets). A line break or another control character
 * inside is refused in one line that never shows the value.
 * @throws SettingsError
 */
export function headerSafeToken(argument: string, value: string | undefined): string | undefined {
  const token = value?.trim();
  if (!token) return undefined;
  if (hasControlCharacter(token))
    throw new SettingsError(
      `${argument} holds a line break or another control character, which no HTTP header can carry: pass the token alone (its value is not shown)`,
    );
  return token;
}
