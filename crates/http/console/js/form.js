// Forms: labelled fields, client-side checks of required fields and numbers, and the
// server's message shown next to the form when it refuses.

import { h, uid } from './dom.js';
import { ApiError } from './api.js';

/**
 * A field: `{ name, label, type, required, help, placeholder, readOnly, options, min, step,
 * autocomplete }`. Types: text (default), password, number, checkbox, select (`options`:
 * `[[value, label]]`), textarea, lines (a textarea read as one value per line), or custom
 * (`build()` answers `{ el, get(), set(value), validate() }`).
 */
function buildField(field) {
  const id = uid(`f-${field.name}`);
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const described = [field.help ? helpId : null, errorId].filter(Boolean).join(' ');
  let input;
  let custom = null;
  switch (field.type) {
    case 'checkbox':
      input = h('input', { id, type: 'checkbox', name: field.name });
      break;
    case 'select':
      input = h(
        'select',
        { id, name: field.name },
        (field.options ?? []).map(([value, label]) => h('option', { value }, label)),
      );
      break;
    case 'textarea':
    case 'lines':
      input = h('textarea', { id, name: field.name, rows: field.rows ?? 3 });
      break;
    case 'custom':
      custom = field.build();
      input = custom.el;
      break;
    default:
      input = h('input', {
        id,
        name: field.name,
        type: field.type ?? 'text',
        inputMode: field.type === 'number' ? 'decimal' : null,
        step: field.step ?? null,
        min: field.min ?? null,
        autocomplete: field.autocomplete ?? (field.type === 'password' ? 'new-password' : 'off'),
      });
  }
  if (!custom) {
    input.setAttribute('aria-describedby', described);
    if (field.placeholder) input.placeholder = field.placeholder;
    if (field.readOnly) {
      input.readOnly = true;
      input.disabled = field.type === 'select' || field.type === 'checkbox';
    }
    if (field.required) input.setAttribute('aria-required', 'true');
  }
  const label = h(
    'label',
    { for: custom ? null : id, class: field.hideLabel ? 'visually-hidden' : 'field-label' },
    field.label,
    field.required ? h('span', { class: 'required', title: 'required' }, ' *') : null,
  );
  const help = field.help ? h('p', { class: 'field-help', id: helpId }, field.help) : null;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const row =
    field.type === 'checkbox'
      ? h('div', { class: 'field field-check', dataset: { field: field.name } }, input, label, help, error)
      : h('div', { class: 'field', dataset: { field: field.name } }, label, input, help, error);

  return {
    field,
    row,
    input,
    label,
    help,
    get() {
      if (custom) return custom.get();
      switch (field.type) {
        case 'checkbox':
          return input.checked;
        case 'number':
          return input.value.trim() === '' ? null : Number(input.value);
        case 'lines':
          return input.value
            .split('\n')
            .map((line) => line.trim())
            .filter(Boolean);
        case 'password':
          return input.value;
        default:
          return input.value.trim();
      }
    },
    set(value) {
      if (custom) return custom.set(value);
      if (field.type === 'checkbox') input.checked = Boolean(value);
      else if (field.type === 'lines') input.value = (value ?? []).join('\n');
      else input.value = value ?? '';
      return undefined;
    },
    /** Answers the problem with the value, or null. */
    check() {
      if (custom) return custom.validate?.() ?? null;
      const value = this.get();
      if (field.required && (value === '' || value === null || value.length === 0)) {
        return `${field.label} is required.`;
      }
      if (field.type === 'number' && value !== null) {
        if (!Number.isFinite(value)) return `${field.label} must be a number.`;
        if (field.min !== undefined && value < field.min) {
          return `${field.label} must be at least ${field.min}.`;
        }
      }
      return field.validate?.(value) ?? null;
    },
    showError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
      row.classList.toggle('has-error', Boolean(message));
      if (!custom) input.setAttribute('aria-invalid', message ? 'true' : 'false');
    },
  };
}

/**
 * A form. `onSubmit(values)` runs when every field passes its checks; an `ApiError` it
 * throws is shown above the form's buttons, with the server's own message.
 * Answers `{ el, fields, values(), changes(original), showError(msg), setBusy(b) }`.
 */
export function buildForm({ fields, values = {}, submitLabel = 'Save', onSubmit, actions = [], groups }) {
  const built = new Map();
  for (const field of fields) built.set(field.name, buildField(field));
  for (const [name, item] of built) item.set(values[name]);

  const errorBox = h('div', { class: 'notice notice-error form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel);
  const body = groups
    ? groups.map(({ title, names, note, columns }) =>
        h(
          'fieldset',
          { class: columns ? 'group group-columns' : 'group' },
          h('legend', null, title),
          note ? h('p', { class: 'field-help' }, note) : null,
          names.map((n) => built.get(n).row),
        ),
      )
    : [...built.values()].map((item) => item.row);
  const el = h(
    'form',
    { class: 'form', novalidate: true },
    errorBox,
    body,
    h('div', { class: 'form-actions' }, submit, actions),
  );

  const form = {
    el,
    fields: built,
    values() {
      const out = {};
      for (const [name, item] of built) out[name] = item.get();
      return out;
    },
    /** The fields whose value differs from `original` (compared as JSON). */
    changes(original) {
      const out = {};
      for (const [name, value] of Object.entries(form.values())) {
        if (JSON.stringify(value) !== JSON.stringify(original[name] ?? defaultOf(built.get(name)))) {
          out[name] = value;
        }
      }
      return out;
    },
    showError(message) {
      errorBox.textContent = message ?? '';
      errorBox.hidden = !message;
      if (message) {
        errorBox.scrollIntoView({ block: 'nearest' });
      }
    },
    setBusy(busy) {
      submit.disabled = busy;
      el.classList.toggle('busy', busy);
    },
  };

  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.showError(null);
    let first = null;
    for (const item of built.values()) {
      const problem = item.check();
      item.showError(problem);
      if (problem && !first) first = item;
    }
    if (first) {
      form.showError('Please correct the highlighted fields.');
      first.input.focus();
      return;
    }
    form.setBusy(true);
    try {
      await onSubmit(form.values(), form);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      form.showError(error.message);
    } finally {
      form.setBusy(false);
    }
  });
  return form;
}

function defaultOf(item) {
  switch (item.field.type) {
    case 'checkbox':
      return false;
    case 'lines':
      return [];
    case 'number':
      return null;
    default:
      return '';
  }
}
