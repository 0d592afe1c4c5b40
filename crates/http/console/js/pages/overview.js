// The start page: what this server is, and the mini program set-up as a checklist.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api } from '../api.js';
import { href } from '../router.js';
import { isMiniProgram, miniProgramProviderName } from '../providers-kind.js';
import { badge, facts, linkButton, pageHeader, section } from '../ui.js';
import { probeEmulator } from './setup.js';

export async function renderOverview(view, { info }) {
  const [orgs, providers, apps, emulator] = await Promise.all([
    api.get('/api/get-organizations', { owner: GLOBAL_OWNER }).then((a) => a.data ?? []),
    api.get('/api/get-providers', { owner: GLOBAL_OWNER }).then((a) => a.data ?? []),
    api.get('/api/get-applications', { owner: GLOBAL_OWNER }).then((a) => a.data ?? []),
    probeEmulator(info),
  ]);
  const mpProviders = providers.filter(isMiniProgram);
  const mpApps = apps.filter((a) => miniProgramProviderName(a.providers, () => null));

  const steps = [
    {
      done: orgs.some((o) => o.name !== 'built-in'),
      title: 'Create an organization for your users',
      action: linkButton('New organization', href(['organizations', 'new'])),
    },
    {
      done: mpProviders.length > 0,
      title: 'Create a WeChat Mini Program provider with your AppID and AppSecret',
      action: linkButton('New provider', href(['providers', 'new'])),
    },
    {
      done: mpApps.length > 0,
      title: 'Create or edit an application and add the provider to it',
      action: linkButton('Applications', href(['applications'])),
    },
    {
      done: false,
      title: 'Copy the values and the code into your mini program',
      action: mpApps.length
        ? linkButton('Mini program setup', href(['application', mpApps[0].name, 'setup']), { kind: 'primary' })
        : null,
    },
  ];

  view.replaceChildren(
    pageHeader('Overview', { subtitle: 'Ferrodoor: Casdoor-compatible sign-in with WeChat Mini Program login.' }),
    section(
      'Mini program login in four steps',
      h(
        'ol',
        { class: 'steps' },
        steps.map((step) =>
          h(
            'li',
            { class: step.done ? 'step done' : 'step' },
            h('span', { class: 'step-title' }, step.title),
            step.done ? badge('done', 'success') : null,
            step.action,
          ),
        ),
      ),
    ),
    section(
      'Server',
      facts([
        ['Origin', h('code', null, info.origin)],
        ['Database', info.database],
        ['Version', info.version],
        ['WeChat API', [h('code', null, info.wechatApiBase), ' ', emulatorBadge(emulator)]],
        ['Objects', [count(orgs, 'organization'), count(apps, 'application'), count(providers, 'provider')].join(' · ')],
      ]),
    ),
  );
}

export function emulatorBadge(emulator) {
  if (!emulator) return null;
  return emulator.reachable
    ? badge('emulator, reachable', 'accent')
    : badge('emulator? not reachable', 'warning', emulator.error);
}

function count(list, noun) {
  return `${list.length} ${noun}${list.length === 1 ? '' : 's'}`;
}
