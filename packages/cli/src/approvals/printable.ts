/**
 * Text a client or an identity provider chose (a tool name, a subject, a message), made safe for
 * a terminal: control characters, escape sequences included, are shown as `\u001b` rather than
 * obeyed, so a crafted tool name cannot rewrite what an approver sees.
 */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
