import { describe, expect, it } from 'vitest';
import { type Preview, renderPreviewMarkdown, renderPreviewText } from './app-diff-view.js';

const preview: Preview = {
  id: 'p1',
  applicationName: 'web',
  revision: 'abc1234def',
  revisionDisplay: 'main@sha1:abc1234',
  state: 'complete',
  summary: { text: '1 cluster changes 3 objects, 1 fails admission, 1 unknown', failing: 1, pending: 0 },
  clusters: [
    {
      clusterName: 'west',
      state: 'failed',
      reason: 'ConfigMap team/fresh refused by admission',
      renderError: null,
      policyDenials: [],
      objects: [
        { id: '/ConfigMap/team/fresh', action: 'refused', message: 'denied | by policy `x`' },
        { id: '/ConfigMap/team/keep', action: 'unchanged' },
      ],
    },
    {
      clusterName: 'east',
      state: 'changes',
      reason: null,
      renderError: null,
      policyDenials: [],
      objects: [
        {
          id: '/ConfigMap/team/keep',
          action: 'change',
          changes: [{ path: '/data/mode', op: 'replace', before: 'blue', after: 'green' }],
        },
        { id: '/ConfigMap/team/fresh', action: 'create' },
        { id: '/ConfigMap/team/gone', action: 'prune' },
        {
          id: '/Secret/team/db',
          action: 'change',
          changes: [{ path: '/data/password', op: 'replace', before: '(redacted)', after: '(redacted)' }],
          truncated: true,
        },
        { id: '/ConfigMap/team/same', action: 'unchanged' },
      ],
    },
    {
      clusterName: 'north',
      state: 'unknown',
      reason: 'Disconnected',
      renderError: null,
      policyDenials: [],
      objects: [],
    },
  ],
};

describe('app diff views', () => {
  it('text: summary, a row per cluster with counts, then the changes of changing and failing clusters', () => {
    const text = renderPreviewText(preview, false);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'web at main@sha1:abc1234: 1 cluster changes 3 objects, 1 fails admission, 1 unknown',
    );
    expect(lines[2]).toMatch(/^CLUSTER\s+STATE\s+CREATE\s+CHANGE\s+PRUNE\s+REASON$/);
    expect(lines[3]).toMatch(/^west\s+failed\s+0\s+0\s+0\s+ConfigMap team\/fresh refused by admission$/);
    expect(lines[4]).toMatch(/^east\s+changes\s+1\s+2\s+1\s+-$/);
    expect(text).toContain('  ~ change /ConfigMap/team/keep\n      ~ /data/mode: "blue" → "green"\n');
    expect(text).toContain('  + create /ConfigMap/team/fresh\n');
    expect(text).toContain('  - prune /ConfigMap/team/gone\n');
    expect(text).toContain('      … more changes not shown\n');
    expect(text).toContain('north (unknown)\n  Disconnected\n');
    // unchanged objects are not listed
    expect(text).not.toContain('/ConfigMap/team/same');
  });

  it('markdown: a table whose cells cannot break it and a folded diff block per changing or failing cluster', () => {
    const md = renderPreviewMarkdown(preview);
    expect(md.startsWith('### Flotilla preview: `web` at `main@sha1:abc1234`\n\n**1 cluster changes')).toBe(
      true,
    );
    expect(md).toContain('| Cluster | State | Create | Change | Prune | Reason |');
    expect(md).toContain('| east | ✏️ changes | 1 | 2 | 1 |  |');
    expect(md).toContain('| north | unknown | 0 | 0 | 0 | Disconnected |');
    expect(md).toContain('<details><summary>west: failed</summary>');
    expect(md).toContain('<details><summary>east: changes</summary>');
    expect(md).not.toContain('<summary>north');
    // a backtick run in a message gets a longer fence; a pipe inside a cell is escaped
    expect(md).toContain('! refused /ConfigMap/team/fresh: denied | by policy `x`');
    expect(md).toMatch(/```diff\n[^]*?\n```\n/);
    expect(md).toContain('    ~ /data/password: "(redacted)" → "(redacted)"');
    const withPipe = renderPreviewMarkdown({
      ...preview,
      clusters: [{ ...preview.clusters[2], reason: 'a | b\nc' }],
    });
    expect(withPipe).toContain('| a \\| b c |');
    const withFence = renderPreviewMarkdown({
      ...preview,
      clusters: [{ ...preview.clusters[0], objects: [{ id: 'x', action: 'refused', message: 'a ```` b' }] }],
    });
    expect(withFence).toContain('`````diff\n');
  });
});
