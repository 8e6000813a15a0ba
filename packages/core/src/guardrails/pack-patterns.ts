/**
 * The patterns of the built-in rule packs, as CEL functions. They are ours, not a user's, so they
 * run on V8's RegExp (several times faster than re2js on long arguments), written to be linear:
 * no nested unbounded quantifier, and every run that follows a keyword is bounded.
 */
const DROP_OR_TRUNCATE =
  /\b(?:drop\s{1,20}(?:table|database|schema|view|index|user|role)|truncate(?:\s{1,20}table)?\s{1,20}[\w"`.]+)/i;

const SHELL_DANGER = new RegExp(
  [
    String.raw`\brm\s{1,20}(?:-[a-zA-Z]{0,20}\s{1,20}){0,5}-[a-zA-Z]{0,20}[rR][a-zA-Z]{0,20}\s{1,20}(?:-[a-zA-Z]{1,20}\s{1,20}){0,5}(?:\/|\/\*|~|~\/|\$HOME|\/[a-z]{1,20})(?:\s|$|;)`,
    String.raw`\bmkfs(?:\.[a-z0-9]{1,10})?\s`,
    String.raw`\bdd\s[^;|\n]{0,200}\bof=\/dev\/`,
    String.raw`:\(\)\s{0,5}\{\s{0,5}:\s{0,5}\|\s{0,5}:\s{0,5}&\s{0,5}\}\s{0,5};\s{0,5}:`,
    String.raw`\b(?:curl|wget)\s[^|;\n]{0,500}\|\s{0,5}(?:sudo\s{1,5})?(?:ba|z|da|k)?sh\b`,
    String.raw`\bchmod\s{1,5}(?:-[a-zA-Z]{1,10}\s{1,5}){0,3}777\s{1,5}\/(?:\s|$)`,
    String.raw`>\s{0,5}\/dev\/[sh]d[a-z]\b`,
  ].join('|'),
);

const AWS_DELETE_CALL =
  /\b(?:DeleteBucket|DeleteObjects|TerminateInstances|DeleteDBInstance|DeleteDBCluster|DeleteStack|DeleteTable|DeleteFunction|DeleteRole|DeleteUser|DeleteVpc|DeleteVolume|DeleteSnapshot|ScheduleKeyDeletion|DeleteSecret|DeleteCluster|DeleteRepository|DeleteHostedZone)\b|\baws\s{1,5}[a-z0-9-]{1,40}\s{1,5}(?:rb|delete-[a-z0-9-]{1,60}|terminate-instances|remove-[a-z0-9-]{1,60})\b/;

const DESTROY_TOOL =
  /(?:^|[_.-])(?:delete|terminate|destroy|drop|purge)[_.-]?(?:bucket|instance|db|database|cluster|stack|table|function|lambda|role|user|vpc|volume|snapshot|key|secret|queue|topic|repository|zone)s?(?:$|[_.-])/i;

const HIDDEN_INSTRUCTIONS = new RegExp(
  [
    String.raw`\b(?:ignore|disregard|forget|override)\s{1,5}(?:all\s{1,5}|any\s{1,5})?(?:the\s{1,5})?(?:previous|prior|above|earlier|system)\s{1,5}(?:instructions|prompts?|rules|messages)`,
    String.raw`\bdo\s{1,5}not\s{1,5}(?:tell|inform|mention|reveal|show)\b[^.]{0,60}\buser\b`,
    String.raw`<\s{0,5}\/?\s{0,5}(?:important|system|instructions?|secret|hidden)\s{0,5}>`,
    String.raw`(?:~\/\.ssh|id_rsa|id_ed25519|\.aws\/credentials|\/etc\/passwd|\.env\b)`,
    String.raw`[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]`,
  ].join('|'),
  'i',
);

/** name → test: registered as `<name>(string): bool` in the guardrails' CEL environment. */
export const PACK_FUNCTIONS: Readonly<Record<string, (text: string) => boolean>> = Object.freeze({
  isDropOrTruncate: (text) => DROP_OR_TRUNCATE.test(text),
  isShellDanger: (text) => SHELL_DANGER.test(text),
  isAwsDeleteCall: (text) => AWS_DELETE_CALL.test(text),
  isDestroyToolName: (text) => DESTROY_TOOL.test(text),
  hasHiddenInstructions: (text) => HIDDEN_INSTRUCTIONS.test(text),
});
