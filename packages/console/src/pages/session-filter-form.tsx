import { useState } from 'preact/hooks';
import type { SessionFilters } from '../api/sessions.js';

/** The sessions API's filters as a form: person, connection, time range, tool, status, text. */
export function SessionFilterForm(props: {
  filters: SessionFilters;
  onApply: (next: SessionFilters) => void;
}) {
  const [draft, setDraft] = useState<SessionFilters>(props.filters);
  const field = (key: keyof SessionFilters, label: string, time = false) => {
    const onInput = (e: { currentTarget: HTMLInputElement }) => {
      const value = e.currentTarget.value;
      setDraft({ ...draft, [key]: time && value ? new Date(value).toISOString() : value });
    };
    return (
      <label>
        {label}
        {time ? (
          <input name={key} type="datetime-local" value={toLocalInput(draft[key])} onInput={onInput} />
        ) : (
          <input name={key} type="text" value={draft[key] ?? ''} onInput={onInput} />
        )}
      </label>
    );
  };
  return (
    <form
      class="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        props.onApply(draft);
      }}
    >
      {field('subject', 'Person (subject)')}
      {field('connection', 'Connection')}
      {field('from', 'From', true)}
      {field('to', 'To', true)}
      {field('tool', 'Tool')}
      <label>
        Status
        <select
          name="status"
          value={draft.status ?? ''}
          onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
        >
          <option value="">any</option>
          <option value="open">open</option>
          <option value="ended">ended</option>
          <option value="failed">failed</option>
        </select>
      </label>
      {field('text', 'Words in messages')}
      <button type="submit" class="primary">
        Search
      </button>
    </form>
  );
}

function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
