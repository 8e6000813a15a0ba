import type { ApprovalRecord } from '@airlock/recording';
import {
  approvalArguments,
  approvalLinks,
  type ApprovalEvent,
  type ApprovalLinks,
} from './approval-payloads.js';

/**
 * Slack's Block Kit limits (api.slack.com/reference/block-kit/blocks): a header's plain text
 * 150 characters, a section's text 3000, a section field 2000. A block past them makes Slack
 * refuse the whole message (400 invalid_blocks), so every piece of the call is cut to fit.
 */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FENCE = '```';

export interface SlackText {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text?: SlackText; readonly fields?: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

/** A Slack incoming-webhook message: `text` is the notification and the fallback. */
export interface SlackApprovalPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * Slack reads `&`, `<` and `>` as markup (`<!channel>`, `<url|label>`), also inside code blocks:
 * everything the requester controls is escaped so a call cannot ping a channel or disguise a link.
 */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes and cuts to `max` characters (escapes never split), saying how much was left out. */
function escapedWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  const note = `… (${text.length} characters, cut)`;
  let out = '';
  for (const char of text) {
    const piece = escapeMrkdwn(char);
    if (out.length + piece.length > max - note.length) break;
    out += piece;
  }
  return out + note;
}

function plainWithin(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function field(label: string, value: string): SlackText {
  return { type: 'mrkdwn', text: `*${label}*\n${escapedWithin(value, FIELD_MAX - label.length - 3)}` };
}

function argumentsBlock(approval: ApprovalRecord): SlackBlock {
  const args = approvalArguments(approval);
  const text = typeof args === 'string' ? args : (JSON.stringify(args, null, 2) ?? '');
  // A ``` inside the arguments would close the code block early; a zero-width space keeps it literal.
  const literal = text.replace(/```/g, '`\u200b`\u200b`');
  const inner = escapedWithin(literal, SECTION_MAX - 2 * FENCE.length - 2);
  return { type: 'section', text: { type: 'mrkdwn', text: `${FENCE}\n${inner}\n${FENCE}` } };
}

const OUTCOME: Record<ApprovalRecord['status'], string> = {
  pending: 'Still pending',
  approved: 'Approved',
  denied: 'Denied',
  expired: 'Expired',
};

function headline(approval: ApprovalRecord, event: ApprovalEvent): string {
  const what = `${approval.target || approval.method} on ${approval.connection}`;
  return `${event === 'requested' ? 'Approval needed' : OUTCOME[approval.status]}: ${what}`;
}

function decisionLine(approval: ApprovalRecord, event: ApprovalEvent, links: ApprovalLinks): string {
  if (event === 'requested') {
    // The id is the gateway's and the link is built from its public URL: neither needs escaping.
    const web = links.approval ? ` or <${links.approval}|open it>` : '';
    return `Decide with \`${links.cli}\` or \`${links.cliDeny}\`${web}.`;
  }
  const votes = approval.votes.map(
    (v) => `${v.by} ${v.decision === 'approve' ? 'approved' : 'denied'}${v.reason ? `: ${v.reason}` : ''}`,
  );
  const text = votes.length > 0 ? votes.join('; ') : `No decision before ${approval.expiresAt}.`;
  return escapedWithin(text, SECTION_MAX);
}

export function slackApprovalPayload(
  approval: ApprovalRecord,
  event: ApprovalEvent,
  context: { readonly publicUrl: string | undefined },
): SlackApprovalPayload {
  const links = approvalLinks(approval, context.publicUrl);
  const requester = approval.requester.email ?? approval.requester.subject;
  const title = headline(approval, event);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: plainWithin(title, HEADER_MAX) } },
  ];
  if (approval.message) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: escapedWithin(approval.message, SECTION_MAX) },
    });
  }
  blocks.push({
    type: 'section',
    fields: [
      field('Requester', requester),
      field('Connection', approval.connection),
      field(
        approval.method === 'tools/call' ? 'Tool' : 'Call',
        approval.target ? `${approval.method} ${approval.target}` : approval.method,
      ),
      field('Rule', approval.rule),
      field(
        event === 'requested' ? 'Expires' : 'Status',
        event === 'requested' ? approval.expiresAt : approval.status,
      ),
      field('Approval', approval.id),
    ],
  });
  blocks.push(argumentsBlock(approval));
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: decisionLine(approval, event, links) }],
  });
  const decide = event === 'requested' ? ` Decide: ${links.cli}` : '';
  const text = `${title} (requested by ${requester}, rule ${approval.rule}).${decide}`;
  return { text: escapedWithin(text, SECTION_MAX), blocks };
}
