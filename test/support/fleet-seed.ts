import { DEFAULT_PROJECT_ID } from '../../src/domain/project.js';
/**
 * Seeds a large fleet straight into the hub's tables (fast: a few set-based statements): one
 * repository, `clusters` clusters labelled env/region, `apps` applications targeting all of
 * them, and one fleet status row per pair with a realistic mix of states (mostly Synced and
 * Current, some failed, out of sync, progressing; a few clusters disconnected). For query
 * plans and the grid benchmark; nothing here goes through the hub's write paths.
 */
export function fleetSeedSql(clusters: number, apps: number): string[] {
  return [
    `INSERT INTO repositories (id, name, type, url, branch, next_poll_at)
     VALUES ('00000000-0000-4000-8000-00000000feed', 'seed', 'git', 'https://git.example.invalid/seed.git', 'main',
             now() + interval '100 years')`,
    `INSERT INTO clusters (id, name, labels, connection_state, last_seen_at)
     SELECT md5('cluster' || g)::uuid, 'c-' || lpad(g::text, 5, '0'),
            jsonb_build_object('env', (ARRAY['prod', 'staging', 'dev'])[1 + g % 3],
                               'region', (ARRAY['eu', 'us', 'ap', 'sa'])[1 + (g / 3) % 4],
                               'shard', (g % 50)::text),
            CASE WHEN g % 97 = 0 THEN 'Disconnected' ELSE 'Connected' END, now()
     FROM generate_series(1, ${clusters}) g`,
    `INSERT INTO applications (id, name, repository_id, project_id, path, targets, sync_policy, ignore_differences)
     SELECT md5('app' || a)::uuid, 'app-' || lpad(a::text, 4, '0'), '00000000-0000-4000-8000-00000000feed',
            '${DEFAULT_PROJECT_ID}',
            'apps/' || a, '[{"clusterSelector": ""}]',
            '{"automated": true, "prune": true, "selfHeal": false}', '[]'
     FROM generate_series(1, ${apps}) a`,
    `INSERT INTO fleet_status (application_id, cluster_id, application_name, cluster_name, connection_state,
                               wanted_revision, wanted_revision_display, applied_revision, applied_revision_display,
                               sync, health, drifted, message)
     SELECT a.id, c.id, a.name, c.name, c.connection_state,
            'rev', 'main@sha1:1a2b3c4', 'rev', 'main@sha1:1a2b3c4',
            CASE WHEN c.connection_state <> 'Connected' THEN 'Unknown'
                 WHEN h % 211 = 0 THEN 'Failed' WHEN h % 53 = 0 THEN 'OutOfSync'
                 WHEN h % 31 = 0 THEN 'Progressing' ELSE 'Synced' END,
            CASE WHEN c.connection_state <> 'Connected' THEN 'Unknown'
                 WHEN h % 101 = 0 THEN 'Failed' WHEN h % 43 = 0 THEN 'InProgress' ELSE 'Current' END,
            h % 53 = 0,
            CASE WHEN c.connection_state <> 'Connected' THEN 'the agent is disconnected' END
     FROM applications a CROSS JOIN clusters c
     CROSS JOIN LATERAL (SELECT abs(hashtext(a.name || c.name)) AS h) x
     WHERE a.repository_id = '00000000-0000-4000-8000-00000000feed'`,
    `ANALYZE clusters`,
    `ANALYZE applications`,
    `ANALYZE fleet_status`,
  ];
}
