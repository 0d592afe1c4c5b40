// A WeChat provider's business-domain verification file (`<name>.txt`): WeChat fetches it
// at the site's root before a mini program may open the site in a web-view. The admin
// picks the file WeChat gave them (or types its name and text); the server stores it and
// serves it at `/<name>.txt`. `get-`, `upload-` and `delete-verification-file`.

import { h } from '../dom.js';
import { api, idOf } from '../api.js';
import { buildForm } from '../form.js';
import { button, confirmDialog, facts, section, shortTime, toast } from '../ui.js';

const NAME = /^[A-Za-z0-9_-]{1,64}\.txt$/;
const MAX_BYTES = 1024;

/** The section of the provider page; `provider` is `{owner, name}`. */
export async function verificationFileSection(provider) {
  const id = idOf(provider.owner, provider.name);
  const body = h('div', { class: 'verification-file' });
  const card = section('Business-domain verification file', body);

  const render = async () => {
    const current = (await api.get('/api/get-verification-file', { id })).data;
    const picker = h('input', { type: 'file', accept: '.txt,text/plain', 'aria-label': 'Verification file' });
    const form = buildForm({
      fields: [
        {
          name: 'fileName',
          label: 'File name',
          required: true,
          placeholder: 'MP_verify_….txt',
          help: 'As WeChat names it: letters, digits, _ and -, then .txt.',
          validate: (v) => (NAME.test(v) ? null : 'The name must be <name>.txt (letters, digits, _ and -).'),
        },
        {
          name: 'content',
          label: 'Content',
          type: 'textarea',
          required: true,
          validate: (v) =>
            new TextEncoder().encode(v).length > MAX_BYTES ? `At most ${MAX_BYTES} bytes.` : null,
        },
      ],
      values: current ?? {},
      submitLabel: 'Upload file',
      onSubmit: async ({ fileName, content }) => {
        await api.post('/api/upload-verification-file', { fileName, content }, { id });
        toast(`Verification file “${fileName}” uploaded`);
        await render();
      },
      actions: current
        ? [
            button('Remove file', async () => {
              if (!(await confirmDialog(`Remove “${current.fileName}”?`, { confirmLabel: 'Remove' }))) return;
              try {
                await api.post('/api/delete-verification-file', undefined, { id });
              } catch (e) {
                form.showError(e.message);
                return;
              }
              toast(`Verification file “${current.fileName}” removed`);
              await render();
            }, { kind: 'danger' }),
          ]
        : [],
    });
    // A picked file fills both fields (it is read here, never sent as a file).
    picker.addEventListener('change', async () => {
      const file = picker.files?.[0];
      if (!file) return;
      form.fields.get('fileName').set(file.name);
      form.fields.get('content').set(file.size > MAX_BYTES * 4 ? '' : await file.text());
    });
    const served = current
      ? facts([
          ['Served at', h('a', { href: `/${current.fileName}`, target: '_blank', rel: 'noopener' }, `/${current.fileName}`)],
          ['Updated', shortTime(current.updatedTime)],
        ])
      : h('p', { class: 'field-help' }, 'None yet.');
    body.replaceChildren(
      h(
        'p',
        { class: 'field-help' },
        'WeChat checks this file at the root of a business domain before a mini program may open it in a web-view (the hosted sign-in page, for instance).',
      ),
      served,
      h('label', { class: 'file-pick' }, 'Pick the file WeChat gave you: ', picker),
      form.el,
    );
  };
  await render();
  return card;
}
