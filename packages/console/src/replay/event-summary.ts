import type { RecordingEvent } from '@airlock/core';

const MAX = 200;

function clip(text: string, max = MAX): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function compact(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

/** The text parts of an MCP result (`content[].text`), joined. */
export function resultText(result: unknown): string | undefined {
  const content = (result as { content?: unknown } | undefined)?.content;
  if (!Array.isArray(content)) return undefined;
  const texts = content
    .map((part: unknown) => (part as { text?: unknown }).text)
    .filter((t): t is string => typeof t === 'string');
  return texts.length > 0 ? texts.join('\n') : undefined;
}

/** One line saying what an event is: the tool and its arguments, the result text, the error, the step. */
export function summarize(event: RecordingEvent): string {
  switch (event.kind) {
    case 'session_start': {
      const info = event.start?.clientInfo;
      const client = info ? `${String(info['name'] ?? '')} ${String(info['version'] ?? '')}`.trim() : '';
      return `session started${client ? ` (client ${client})` : ''}`;
    }
    case 'session_end':
      return `session ended: ${event.end?.reason ?? ''}${event.end?.code ? ` (${event.end.code})` : ''}`;
    case 'warning':
      return `warning ${event.warning?.code ?? ''}: ${clip(event.warning?.message ?? '')}`;
    case 'tool_changed':
      return `tool ${event.toolChange?.tool ?? ''} ${event.toolChange?.change ?? ''} (${event.toolChange?.outcome ?? ''})`;
    case 'approval': {
      const a = event.approval;
      const who = a?.by ? ` by ${a.by}` : '';
      const why = a?.reason ? `: ${a.reason}` : '';
      return `approval ${a?.step ?? ''}${a?.decision ? ` (${a.decision})` : ''}${who}${why}`;
    }
    case 'access': {
      const g = event.access;
      return `access ${g?.step ?? ''} on ${g?.connection ?? ''}${g?.by ? ` by ${g.by}` : ''}`;
    }
    case 'message':
      return summarizeMessage(event);
  }
  return event.kind;
}

function summarizeMessage(event: RecordingEvent): string {
  const message = event.message as Record<string, unknown> | undefined;
  if (message === undefined) return 'message';
  const method = typeof message['method'] === 'string' ? message['method'] : undefined;
  if (method !== undefined) {
    const params = message['params'] as Record<string, unknown> | undefined;
    if (method === 'tools/call') {
      return `tools/call ${String(params?.['name'] ?? '')} ${clip(compact(params?.['arguments'] ?? {}))}`;
    }
    return `${method}${params && Object.keys(params).length > 0 ? ` ${clip(compact(params))}` : ''}`;
  }
  const error = message['error'] as { code?: unknown; message?: unknown } | undefined;
  if (error !== undefined) return `error ${String(error.code ?? '')}: ${clip(String(error.message ?? ''))}`;
  const result = message['result'];
  const text = resultText(result);
  if (text !== undefined) return `result: ${clip(text)}`;
  const tools = (result as { tools?: unknown } | undefined)?.tools;
  if (Array.isArray(tools)) return `result: ${tools.length} tools`;
  return `result ${clip(compact(result))}`;
}
