// The dashboard: sign-ins and sign-ups per day by method, failed WeChat sign-ins, failed
// sign-ins and active users, counted by the server from the records (`get-record-stats`)
// and drawn as SVG (chart.js).

import { h } from '../dom.js';
import { GLOBAL_OWNER, api } from '../api.js';
import { go, href } from '../router.js';
import { seriesOf, stackedBars } from '../chart.js';
import { linkButton, pageHeader, section } from '../ui.js';

const PERIODS = [7, 30, 90];

export async function renderDashboard(view, { route, account }) {
  const org = route.query.get('org') ?? '';
  const days = PERIODS.includes(Number(route.query.get('days'))) ? Number(route.query.get('days')) : 30;
  const globalAdmin = account.owner === 'built-in';
  const orgs = globalAdmin
    ? ((await api.get('/api/get-organizations', { owner: GLOBAL_OWNER })).data ?? []).map((o) => o.name)
    : [account.owner];
  const chosen = globalAdmin ? org : org || account.owner;
  const stats = (await api.get('/api/get-record-stats', { organization: chosen, days })).data;

  const orgPicker = h(
    'select',
    { id: 'dashboard-org', onchange: () => go(['dashboard'], { org: orgPicker.value, days }) },
    globalAdmin ? h('option', { value: '', selected: chosen === '' }, 'All organizations') : null,
    orgs.map((name) => h('option', { value: name, selected: name === chosen }, name)),
  );
  const dayPicker = h(
    'select',
    { id: 'dashboard-days', onchange: () => go(['dashboard'], { org: chosen, days: dayPicker.value }) },
    PERIODS.map((d) => h('option', { value: d, selected: d === days }, `Last ${d} days`)),
  );
  const chart = (id, title, series, empty) => stackedBars({ id, title, days: stats.days, series, empty });

  view.replaceChildren(
    pageHeader('Dashboard', {
      subtitle: 'Counted from the records, per day (UTC).',
      actions: [linkButton('Records', href(['records'], { org: chosen }))],
    }),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'dashboard-org' }, 'Organization'),
      orgPicker,
      h('label', { for: 'dashboard-days' }, 'Period'),
      dayPicker,
    ),
    h(
      'div',
      { class: 'chart-grid-2' },
      section(null, chart('chart-signins', 'Sign-ins by method', seriesOf(stats.signins), 'No sign-ins in this period.')),
      section(null, chart('chart-signups', 'Sign-ups by method', seriesOf(stats.signups), 'No sign-ups in this period.')),
      section(
        null,
        chart('chart-wechat-errors', 'Failed WeChat sign-ins', seriesOf(stats.wechatErrors), 'No failed WeChat sign-ins.'),
      ),
      section(
        null,
        chart('chart-active-users', 'Active users', [{ name: 'users', values: stats.activeUsers }], 'Nobody signed in.'),
      ),
      section(
        null,
        chart('chart-failed', 'Failed sign-ins by method', seriesOf(stats.failedSignins), 'No failed sign-ins.'),
      ),
    ),
  );
}
