// Generated from docs/openapi.json by `npm run openapi` (openapi-typescript): do not edit.
export type paths = {
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Audit_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Audit_export'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Audit_verify'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/checkpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Audit_checkpointList'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/checkpoints/public-key': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Audit_publicKey'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Token_list'];
    put?: never;
    post: operations['Token_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tokens/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations['Token_revoke'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/whoami': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Whoami_whoami'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sso/config': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Sso_config'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sso/login': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Sso_login'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sso/callback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Sso_callback'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sso/token': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Sso_token'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sso/logout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Sso_logout'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['SsoSession_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/auth/sessions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete: operations['SsoSession_revoke'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/clusters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Cluster_list'];
    put?: never;
    post: operations['Cluster_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/clusters/{idOrName}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Cluster_get'];
    put?: never;
    post?: never;
    delete: operations['Cluster_delete'];
    options?: never;
    head?: never;
    patch: operations['Cluster_update'];
    trace?: never;
  };
  '/api/v1/clusters/{idOrName}/registration-token': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Cluster_registrationToken'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/clusters/{idOrName}/credentials/revoke': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Cluster_revokeCredential'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/clusters/{idOrName}/agent-manifest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Cluster_agentManifest'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/cluster-recipients': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['ClusterKeys_recipients'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/clusters/{idOrName}/rotate-key': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['ClusterKeys_rotateKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/repositories': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Repository_list'];
    put?: never;
    post: operations['Repository_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/repositories/{idOrName}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Repository_get'];
    put?: never;
    post?: never;
    delete: operations['Repository_delete'];
    options?: never;
    head?: never;
    patch: operations['Repository_update'];
    trace?: never;
  };
  '/api/v1/repositories/{idOrName}/revisions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['RepositoryContent_revisions'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/repositories/{idOrName}/tree': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['RepositoryContent_tree'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/repositories/{idOrName}/files/{path}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['RepositoryContent_read'];
    put: operations['RepositoryContent_put'];
    post?: never;
    delete: operations['RepositoryContent_remove'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/repositories/{idOrName}/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['RepositoryContent_refresh'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/projects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Project_list'];
    put?: never;
    post: operations['Project_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/projects/{idOrName}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Project_get'];
    put?: never;
    post?: never;
    delete: operations['Project_delete'];
    options?: never;
    head?: never;
    patch: operations['Project_update'];
    trace?: never;
  };
  '/api/v1/webhooks/git': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Webhook_git'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/svn': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Webhook_svn'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Application_list'];
    put?: never;
    post: operations['Application_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Application_get'];
    put?: never;
    post?: never;
    delete: operations['Application_delete'];
    options?: never;
    head?: never;
    patch: operations['Application_update'];
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/sync': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Application_sync'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/rollback': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Application_rollback'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/unpin': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Application_unpin'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Application_history'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/resources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Application_resources'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/rollout': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Rollout_current'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/rollouts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Rollout_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/rollouts/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Rollout_one'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/rollout/{command}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Rollout_command'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/applications/{idOrName}/previews': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Preview_list'];
    put?: never;
    post: operations['Preview_request'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/previews': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Preview_requestDraft'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/previews/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Preview_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/generators': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Generator_list'];
    put?: never;
    post: operations['Generator_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/generators/{idOrName}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Generator_get'];
    put?: never;
    post?: never;
    delete: operations['Generator_delete'];
    options?: never;
    head?: never;
    patch: operations['Generator_update'];
    trace?: never;
  };
  '/api/v1/generators/{idOrName}/refresh': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Generator_refresh'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/health-checks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['HealthCheck_list'];
    put?: never;
    post: operations['HealthCheck_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/health-checks/evaluate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['HealthCheck_evaluate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/health-checks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put: operations['HealthCheck_replace'];
    post?: never;
    delete: operations['HealthCheck_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/register': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['AgentRegistration_register'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/jobs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Agent_jobs'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/bundles/{digest}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Agent_bundle'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/jobs/{id}/result': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Agent_result'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/previews/{id}/result': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Agent_previewResult'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/jobs/{id}/lease': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Agent_renewLease'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Agent_status'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agent/heartbeat': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Agent_heartbeat'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/fleet/status': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['FleetStatus_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/fleet/grid': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['FleetStatus_gridWindow'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/fleet/problems': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['FleetStatus_problemSummary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/fleet/problems/clusters': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['FleetStatus_problemList'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/notifications/subscriptions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Notification_list'];
    put?: never;
    post: operations['Notification_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/notifications/subscriptions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Notification_get'];
    put?: never;
    post?: never;
    delete: operations['Notification_delete'];
    options?: never;
    head?: never;
    patch: operations['Notification_update'];
    trace?: never;
  };
  '/api/v1/notifications/subscriptions/{id}/rotate-secret': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Notification_rotateSecret'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/notifications/subscriptions/{id}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Notification_test'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/notifications/subscriptions/{id}/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get: operations['Notification_deliveries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/notifications/subscriptions/{id}/deliveries/{did}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post: operations['Notification_retry'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
};
export type webhooks = Record<string, never>;
export type components = {
  schemas: {
    ActorDto: {
      /** @enum {string} */
      type: 'token' | 'user' | 'agent' | 'system';
      /** @description token id, <issuer>#<subject> of an SSO user, cluster id, or system */
      id: string;
      name: string;
      /** @description an SSO user's groups at the time */
      groups?: string[];
    };
    AuditEventDto: {
      seq: string;
      occurredAt: string;
      actor: components['schemas']['ActorDto'];
      action: string;
      clusterId: string | null;
      repositoryId: string | null;
      applicationId: string | null;
      /** @description project id; null for events of no project */
      projectId: string | null;
      revision: string | null;
      resource: string | null;
      details: {
        [key: string]: unknown;
      };
      hash: string;
      prevHash: string;
    };
    AuditPageDto: {
      items: components['schemas']['AuditEventDto'][];
      nextCursor: string | null;
    };
    CheckpointResultDto: {
      seq: number;
      hash: string;
      ok: boolean;
      reason?: string;
    };
    VerifiedFromDto: {
      seq: number;
      hash: string;
    };
    ChainVerdictDto: {
      ok: boolean;
      /** @description events checked */
      checked: number;
      /** @description seq of the first event (or checkpoint) that does not hold */
      brokenAt?: number;
      reason?: string;
      /** @description seq of the newest event */
      headSeq: number | null;
      /** @description hash of the newest event */
      headHash: string | null;
      /** @description seq from which events are HMAC-keyed */
      keyedFrom: number | null;
      /** @description signed checkpoints stored by the hub that matched the chain */
      checkpointsChecked: number;
      /** @description outcome for the given checkpoint */
      checkpoint?: components['schemas']['CheckpointResultDto'];
      /** @description the signed checkpoint (signature checked) the walk started after; null: the first event */
      verifiedFrom: components['schemas']['VerifiedFromDto'] | null;
    };
    AuditCheckpointDto: {
      seq: string;
      /** @description hash of the event at seq */
      hash: string;
      /** Format: date-time */
      createdAt: string;
      /** @description Ed25519 signature (base64) of "flotilla-audit-checkpoint/v1\n<seq>\n<hash>\n<createdAt>" */
      signature: string;
      /** @description fingerprint of the public key that verifies it */
      keyId: string;
    };
    CheckpointPublicKeyDto: {
      /** @enum {string} */
      algorithm: 'Ed25519';
      keyId: string;
      /** @description SPKI public key, PEM */
      publicKey: string;
    };
    AuditCheckpointPageDto: {
      items: components['schemas']['AuditCheckpointDto'][];
      nextCursor: string | null;
      publicKey: components['schemas']['CheckpointPublicKeyDto'];
    };
    CreateTokenDto: {
      /** @example ci-pipeline */
      name: string;
      /**
       * @description global role: holds in every project and fleet-wide
       * @enum {string}
       */
      role?: 'viewer' | 'operator' | 'admin';
      /**
       * @description role within each project, by project name (a token needs a role, projects, or both)
       * @example {
       *       "team-a": "operator"
       *     }
       */
      projects?: {
        [key: string]: 'viewer' | 'operator' | 'admin';
      };
      /** @description days until the token expires (default 90 when no expiry is given) */
      expiresInDays?: number;
      /** @description true: the token never expires (a deliberate choice) */
      neverExpires?: boolean;
    };
    CreatedTokenDto: {
      id: string;
      name: string;
      /**
       * @description global role; null: project roles only
       * @enum {string|null}
       */
      role: 'viewer' | 'operator' | 'admin' | null;
      /** @description role within each project, by project name */
      projects: {
        [key: string]: 'viewer' | 'operator' | 'admin';
      };
      /** @description first characters of the secret */
      prefix: string;
      /**
       * Format: date-time
       * @description null: never expires
       */
      expiresAt: string | null;
      /**
       * Format: date-time
       * @description last use, recorded at most once a minute
       */
      lastUsedAt: string | null;
      createdAt: string;
      updatedAt: string;
      /** @description the bearer secret; shown once, stored only as a hash */
      token: string;
    };
    TokenDto: {
      id: string;
      name: string;
      /**
       * @description global role; null: project roles only
       * @enum {string|null}
       */
      role: 'viewer' | 'operator' | 'admin' | null;
      /** @description role within each project, by project name */
      projects: {
        [key: string]: 'viewer' | 'operator' | 'admin';
      };
      /** @description first characters of the secret */
      prefix: string;
      /**
       * Format: date-time
       * @description null: never expires
       */
      expiresAt: string | null;
      /**
       * Format: date-time
       * @description last use, recorded at most once a minute
       */
      lastUsedAt: string | null;
      createdAt: string;
      updatedAt: string;
    };
    TokenListDto: {
      items: components['schemas']['TokenDto'][];
      nextCursor: string | null;
    };
    SsoIdentityDto: {
      /** @description the OpenID provider's issuer URL */
      issuer: string;
      /** @description the provider's subject identifier of the person */
      subject: string;
      email: string | null;
      /** @description the groups at login; their roles hold for the session */
      groups: string[];
    };
    WhoamiDto: {
      /**
       * Format: uuid
       * @description the API token's id, or the SSO session's
       */
      tokenId: string;
      name: string;
      /**
       * @description global role; null: project roles only
       * @enum {string|null}
       */
      role: 'viewer' | 'operator' | 'admin' | null;
      /** @description role within each project, by project name */
      projects: {
        [key: string]: 'viewer' | 'operator' | 'admin';
      };
      /**
       * Format: date-time
       * @description null: never expires
       */
      expiresAt: string | null;
      /**
       * Format: date-time
       * @description the last recorded use before this request (recorded at most once a minute); null: none
       */
      lastUsedAt: string | null;
      /**
       * @description how the request authenticated: an API bearer token, or a single sign-on session
       * @enum {string}
       */
      authenticatedBy: 'token' | 'sso';
      /** @description the person, for an SSO session */
      identity?: components['schemas']['SsoIdentityDto'];
      /**
       * @description the hub's version
       * @example 0.1.0
       */
      hubVersion: string;
    };
    SsoCliConfigDto: {
      /** @description the OpenID provider's issuer URL */
      issuer: string;
      /** @description the client id the CLI signs in as (the audience of its ID tokens) */
      clientId: string;
      scopes: string[];
    };
    SsoConfigDto: {
      enabled: boolean;
      /** @description where the dashboard sends a browser to sign in */
      loginUrl: string | null;
      /** @description null: no CLI sign-in */
      cli: components['schemas']['SsoCliConfigDto'] | null;
    };
    SsoTokenLoginDto: {
      /** @description a compact JWS ID token issued to the CLI client */
      idToken: string;
    };
    SsoSessionDto: {
      /** @description the session secret (flts_…), shown once */
      token: string;
      /** Format: date-time */
      expiresAt: string;
      /** @description the email (or subject) of the person signed in */
      name: string;
    };
    SsoSessionInfoDto: {
      /** Format: uuid */
      id: string;
      /** @description the email (or subject) of the person */
      name: string;
      /** @description the OpenID provider's issuer URL */
      issuer: string;
      /** @description the provider's subject identifier of the person */
      subject: string;
      email: string | null;
      /** @description the groups at sign-in; their roles hold for the session */
      groups: string[];
      /**
       * @description global role; null: project roles only
       * @enum {string|null}
       */
      role: 'viewer' | 'operator' | 'admin' | null;
      /** @description role within each project, by project name */
      projects: {
        [key: string]: 'viewer' | 'operator' | 'admin';
      };
      /**
       * @description the dashboard's code flow or the CLI's device flow
       * @enum {string}
       */
      client: 'browser' | 'cli';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      expiresAt: string;
      /**
       * Format: date-time
       * @description last use, recorded at most once a minute; null: not used since sign-in
       */
      lastUsedAt: string | null;
    };
    SsoSessionListDto: {
      items: components['schemas']['SsoSessionInfoDto'][];
      nextCursor: string | null;
    };
    ClusterGuardrailDto: {
      /**
       * @description exact namespaces objects may land in; the agent gets Roles in these and its own namespace only (unless allowClusterScoped)
       * @example [
       *       "team-a",
       *       "team-a-staging"
       *     ]
       */
      allowedNamespaces: string[];
      /**
       * @description allow cluster-scoped kinds (Namespace, CRDs, ClusterRoles…); the agent then keeps cluster-wide RBAC
       * @default false
       */
      allowClusterScoped: boolean;
      /**
       * @example [
       *       "Secret",
       *       "rbac.authorization.k8s.io/*"
       *     ]
       */
      deniedKinds?: string[];
    };
    CreateClusterDto: {
      /**
       * @description DNS-1123 label, unique
       * @example prod-eu-1
       */
      name: string;
      /**
       * @example {
       *       "env": "prod",
       *       "region": "eu"
       *     }
       */
      labels?: {
        [key: string]: string;
      };
      /** @description the guardrail its agent is installed with: the join commands and agent manifest carry it and narrow the agent RBAC to it. Absent: none, cluster-wide RBAC */
      guardrail?: components['schemas']['ClusterGuardrailDto'];
    };
    RegistrationDto: {
      /** @description one-time token the agent exchanges for its credential */
      token: string;
      expiresAt: string;
    };
    JoinCommandsDto: {
      /**
       * @description installs the agent with the Helm chart (helm/flotilla-agent) and the registration token
       * @example helm upgrade --install flotilla-agent helm/flotilla-agent --namespace flotilla-system --create-namespace --set hubUrl=https://flotilla.example.com --set registrationToken.value=fltreg_…
       */
      helm: string;
      /**
       * @description applies the agent manifest; fetching it issues a fresh registration token, revoking the one in `helm`
       * @example curl -fsSL -H "Authorization: Bearer $FLOTILLA_TOKEN" https://flotilla.example.com/api/v1/clusters/prod-eu-1/agent-manifest | kubectl apply -f -
       */
      kubectl: string;
    };
    ClusterWithRegistrationDto: {
      id: string;
      name: string;
      labels: {
        [key: string]: string;
      };
      /** @enum {string} */
      connectionState: 'Pending' | 'Connected' | 'Disconnected';
      lastSeenAt: string | null;
      agentVersion: string | null;
      kubernetesVersion: string | null;
      registered: boolean;
      guardrail: components['schemas']['ClusterGuardrailDto'] | null;
      createdAt: string;
      updatedAt: string;
      registration: components['schemas']['RegistrationDto'];
      /** @description commands that install the agent in the cluster */
      join: components['schemas']['JoinCommandsDto'];
    };
    ClusterDto: {
      id: string;
      name: string;
      labels: {
        [key: string]: string;
      };
      /** @enum {string} */
      connectionState: 'Pending' | 'Connected' | 'Disconnected';
      lastSeenAt: string | null;
      agentVersion: string | null;
      kubernetesVersion: string | null;
      registered: boolean;
      guardrail: components['schemas']['ClusterGuardrailDto'] | null;
      createdAt: string;
      updatedAt: string;
    };
    ClusterPageDto: {
      items: components['schemas']['ClusterDto'][];
      nextCursor: string | null;
    };
    UpdateClusterDto: {
      /**
       * @description replaces the whole label set
       * @example {
       *       "env": "prod",
       *       "region": "eu"
       *     }
       */
      labels?: {
        [key: string]: string;
      };
    };
    ClusterRecipientDto: {
      cluster: string;
      /**
       * @description the agent's public age (X25519) recipient
       * @example age1…
       */
      recipient: string;
      /** @description first 16 hex digits of the SHA-256 of the recipient (spec.recipients) */
      fingerprint: string;
    };
    RecipientListDto: {
      selector: string;
      items: components['schemas']['ClusterRecipientDto'][];
      /** @description selected clusters whose agent has not sent a key yet: a seal now cannot include them */
      withoutKey: string[];
    };
    ResealNeededDto: {
      application: string;
      /** @description SealedSecret object ids sealed to the key being replaced */
      objects: string[];
    };
    KeyRotationDto: {
      cluster: string;
      /** @description fingerprint of the key being replaced */
      fingerprint: string;
      requestedAt: string;
      /** @description sealed secrets of the cluster's current bundles that include the key being replaced */
      needsReseal: components['schemas']['ResealNeededDto'][];
    };
    CredentialsDto: {
      username?: string;
      password?: string;
      token?: string;
      /** @description ssh:// repositories: an unencrypted deploy key (PEM or OpenSSH) */
      sshPrivateKey?: string;
      /** @description ssh:// repositories (required there): the server’s host keys, as `ssh-keyscan` prints them */
      knownHosts?: string;
    };
    CreateRepositoryDto: {
      /**
       * @description DNS-1123 label, not of the form of a UUID
       * @example platform-manifests
       */
      name: string;
      /**
       * @description helm: an HTTP chart repository (url serves index.yaml); read-only
       * @enum {string}
       */
      type: 'git' | 'svn' | 'helm';
      /** @example https://git.example.com/platform/manifests.git */
      url: string;
      /**
       * @description Git branch (default main)
       * @example main
       */
      branch?: string;
      /**
       * @description SVN path under the URL, e.g. trunk
       * @example trunk
       */
      path?: string;
      credentials?: components['schemas']['CredentialsDto'];
      /** @default 60 */
      pollIntervalSeconds: number;
      /** @description secret that push webhooks are verified with (16+ characters) */
      webhookSecret?: string;
    } & (
      | {
          /** @constant */
          type?: 'git';
          url?: unknown;
          branch?: unknown;
          credentials?: unknown;
        }
      | {
          /** @constant */
          type?: 'git';
          url?: unknown;
          branch?: unknown;
          credentials: unknown;
        }
      | {
          /** @constant */
          type?: 'svn';
          url?: unknown;
          path?: unknown;
          credentials?: unknown;
        }
      | {
          /** @constant */
          type?: 'helm';
          url?: unknown;
          credentials?: unknown;
        }
    );
    RewoundDto: {
      /** @description The revision the branch had reached, which automated sync keeps. */
      from: string;
      /** @description The older (or unrelated) revision the branch head is at now. */
      to: string;
      /** @description When the hub saw the branch move back. */
      at: string;
    };
    RepositoryDto: {
      id: string;
      name: string;
      /** @enum {string} */
      type: 'git' | 'svn' | 'helm';
      url: string;
      branch: string | null;
      path: string | null;
      hasCredentials: boolean;
      hasWebhookSecret: boolean;
      pollIntervalSeconds: number;
      lastRevision: string | null;
      lastPolledAt: string | null;
      lastError: string | null;
      /** @description Set while the branch head is behind (or off) the revision it had reached: automated sync stays at `from` until the head moves forward past it; an explicit sync of a revision or a rollback may still deploy `to`. */
      rewound: components['schemas']['RewoundDto'] | null;
      createdAt: string;
      updatedAt: string;
    };
    RepositoryPageDto: {
      items: components['schemas']['RepositoryDto'][];
      nextCursor: string | null;
    };
    UpdateRepositoryDto: {
      url?: string;
      /** @description Git repositories only */
      branch?: string;
      /** @description SVN repositories only */
      path?: string;
      /** @description null removes the credentials */
      credentials?: components['schemas']['CredentialsDto'] | null;
      pollIntervalSeconds?: number;
      /** @description null removes it */
      webhookSecret?: string;
    };
    RevisionRefDto: {
      /** @description opaque id: a Git commit id or an SVN revision number */
      id: string;
      /** @example main@sha1:1a2b3c4 */
      display: string;
    };
    CommitDto: {
      revision: components['schemas']['RevisionRefDto'];
      author: string;
      email: string | null;
      message: string;
      time: string;
      changedPaths: string[];
    };
    CommitPageDto: {
      items: components['schemas']['CommitDto'][];
      nextCursor: string | null;
    };
    TreeEntryDto: {
      name: string;
      path: string;
      /** @enum {string} */
      type: 'file' | 'dir' | 'symlink' | 'submodule';
      size: number | null;
    };
    TreeDto: {
      /** @description revision id the listing is at */
      revision: string;
      path: string;
      entries: components['schemas']['TreeEntryDto'][];
    };
    PutFileDto: {
      /** @description new content of the file (UTF-8 text) */
      content: string;
      /** @example Scale api to 3 replicas */
      message: string;
      /** @description refuse with 409 when the file changed after this revision */
      baseRevision?: string;
    };
    CommitResultDto: {
      revision: components['schemas']['RevisionRefDto'];
      path: string;
    };
    DeleteFileDto: {
      message: string;
      /** @description refuse with 409 when the file changed after this revision */
      baseRevision?: string;
    };
    ProjectSourceDto: {
      /**
       * @description repository name, or '*' for any repository
       * @example platform
       */
      repository: string;
      /**
       * @description path prefix; absent: any path
       * @example apps/team-a
       */
      path?: string;
    };
    GroupKindDto: {
      /** @example rbac.authorization.k8s.io */
      group: string;
      /** @example ClusterRoleBinding */
      kind: string;
    };
    ObjectPolicyDto: {
      /**
       * @description namespaces objects may land in: names or globs (`*` any run of characters)
       * @example [
       *       "team-a",
       *       "team-a-*"
       *     ]
       */
      namespaces: string[];
      /** @description kinds allowed; empty: every namespaced kind. Cluster-scoped kinds only when listed. */
      allowedKinds: components['schemas']['GroupKindDto'][];
      /** @description kinds refused whatever else says */
      deniedKinds: components['schemas']['GroupKindDto'][];
      /** @description whether plain v1/Secret objects may be deployed */
      allowSecrets: boolean;
    };
    CreateProjectDto: {
      /**
       * @description DNS-1123 label, not of the form of a UUID
       * @example team-a
       */
      name: string;
      /** @example Team A services */
      description?: string;
      sources: components['schemas']['ProjectSourceDto'][];
      /**
       * @description label selector of the clusters its applications may reach; '' every cluster
       * @example team=a
       */
      clusterSelector: string;
      objects: components['schemas']['ObjectPolicyDto'];
      /**
       * @description a plain (unencrypted) v1/Secret in a bundle: deny (the render fails for that cluster), warn (deployed, shown on the application and audited once per revision) or allow. Default for a new project: warn
       * @enum {string}
       */
      plainSecrets?: 'deny' | 'warn' | 'allow';
    };
    ProjectDto: {
      /** Format: uuid */
      id: string;
      name: string;
      description: string;
      sources: components['schemas']['ProjectSourceDto'][];
      clusterSelector: string;
      objects: components['schemas']['ObjectPolicyDto'];
      /**
       * @description what a plain v1/Secret in a bundle does
       * @enum {string}
       */
      plainSecrets: 'deny' | 'warn' | 'allow';
      /** @description applications that belong to it */
      applications: number;
      createdAt: string;
      updatedAt: string;
    };
    ProjectListDto: {
      items: components['schemas']['ProjectDto'][];
      nextCursor: string | null;
    };
    UpdateProjectDto: {
      description?: string;
      sources?: components['schemas']['ProjectSourceDto'][];
      clusterSelector?: string;
      objects?: components['schemas']['ObjectPolicyDto'];
      /**
       * @description a plain (unencrypted) v1/Secret in a bundle: deny (the render fails for that cluster), warn (deployed, shown on the application and audited once per revision) or allow. Default for a new project: warn
       * @enum {string}
       */
      plainSecrets?: 'deny' | 'warn' | 'allow';
    };
    HelmSourceDto: {
      /**
       * @description values files in the repository, relative to the application path, applied in order
       * @example [
       *       "values-eu.yaml"
       *     ]
       */
      valuesFiles?: string[];
      /** @description inline Helm values (applied after the values files); at most 64 KiB as canonical JSON */
      values?: {
        [key: string]: components['schemas']['JsonValue'];
      };
      /**
       * @description release name (DNS-1123 label, at most 53 characters); defaults to the application name
       * @example web
       */
      releaseName?: string;
    };
    KustomizeSourceDto: {
      /** @description overlay directory under the application path, e.g. overlays/${cluster.labels.env}; may use ${cluster.labels.KEY} placeholders only */
      path?: string;
    };
    ApplicationSourceDto: {
      /**
       * @example helm
       * @enum {string}
       */
      kind: 'manifests' | 'helm' | 'kustomize';
      /** @description only with kind helm */
      helm?: components['schemas']['HelmSourceDto'];
      /** @description only with kind kustomize */
      kustomize?: components['schemas']['KustomizeSourceDto'];
    };
    PatchTargetDto: {
      /** @example Deployment */
      kind: string;
      /** @example api */
      name: string;
      namespace?: string;
      /** @description API group, "" for core */
      group?: string;
    };
    TargetPatchDto: {
      target: components['schemas']['PatchTargetDto'];
      /** @description JSON merge patch (RFC 7386) */
      patch: {
        [key: string]: components['schemas']['JsonValue'];
      };
    };
    TargetHelmDto: {
      /**
       * @description values files in the repository, relative to the application path, applied in order
       * @example [
       *       "values-eu.yaml"
       *     ]
       */
      valuesFiles?: string[];
      /** @description inline Helm values (applied after the values files); at most 64 KiB as canonical JSON */
      values?: {
        [key: string]: components['schemas']['JsonValue'];
      };
    };
    TargetDto: {
      /** @example env=prod,region in (eu,us) */
      clusterSelector: string;
      /** @example web */
      namespace?: string;
      values?: {
        [key: string]: string | number | boolean;
      };
      patches?: components['schemas']['TargetPatchDto'][];
      /** @description Helm only: values for these clusters, applied after the source's */
      helm?: components['schemas']['TargetHelmDto'];
    };
    RolloutStageDto: {
      /**
       * @description DNS-1123 label, unique in the strategy
       * @example canary
       */
      name: string;
      /**
       * @description clusters of this stage, among those no earlier stage took; null (last stage only): the rest
       * @example ring=canary
       */
      clusterSelector: string;
      /** @description clusters moved at once: a count, or a percentage of the stage rounded up; default 100% */
      batchSize?: number | string;
      /** @description bake time: every cluster of a batch Synced and Healthy this long before the next; default 0 */
      minHealthySeconds?: number;
      /** @description failed clusters the stage tolerates (a percentage rounds down); default 0 */
      maxFailures?: number | string;
      /** @description pause before this stage until someone promotes the rollout */
      requireApproval?: boolean;
    };
    RolloutStrategyDto: {
      stages: components['schemas']['RolloutStageDto'][];
      /**
       * @description on failures over a stage budget: pause (default), or move the clusters already moved back
       * @enum {string}
       */
      onFailure?: 'pause' | 'rollback';
    };
    SyncPolicyDto: {
      /** @description sync on every new revision */
      automated: boolean;
      /** @description delete objects removed from the repository */
      prune: boolean;
      /** @description undo changes made in the cluster */
      selfHeal: boolean;
    };
    HealthCheckRuleDto: {
      /**
       * @description API group; '' for the core group
       * @example cert-manager.io
       */
      group: string;
      /** @example Certificate */
      kind: string;
      /**
       * Format: cel
       * @description when the object is current (required): a CEL expression of at most 2048 characters, true or false for the object
       * @example status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")
       */
      current: string;
      /**
       * Format: cel
       * @description when it is in progress (tried first): a CEL expression of at most 2048 characters, true or false for the object
       */
      inProgress?: string;
      /**
       * Format: cel
       * @description when it failed (tried second): a CEL expression of at most 2048 characters, true or false for the object
       */
      failed?: string;
    };
    CreateApplicationDto: {
      /**
       * @description DNS-1123 label, not of the form of a UUID
       * @example web
       */
      name: string;
      /**
       * @description project (name) the application belongs to; default 'default'
       * @example team-a
       */
      project?: string;
      /** @description repository id or name */
      repositoryId: string;
      /** @example apps/web */
      path: string;
      /** @description pin a revision; newest when omitted */
      revision?: string;
      /** @description how the path renders (helm, kustomize, manifests); omitted or null detects it from the files */
      source?: components['schemas']['ApplicationSourceDto'] | null;
      targets: components['schemas']['TargetDto'][];
      /** @description staged rollout: stages of clusters a change reaches in batches; omitted or null: all at once */
      rollout?: components['schemas']['RolloutStrategyDto'] | null;
      syncPolicy: components['schemas']['SyncPolicyDto'];
      /**
       * @description JSON pointers ignored in drift detection
       * @example [
       *       "/spec/replicas"
       *     ]
       */
      ignoreDifferences?: string[];
      /** @description applications (names, same project) that must be Synced and Healthy on a cluster before this one syncs there; a cycle is refused */
      dependsOn?: string[];
      /** @description custom health checks of this application's objects; they win over the hub's for the same group/kind, from its next job on */
      healthChecks?: components['schemas']['HealthCheckRuleDto'][];
    };
    ApplicationDto: {
      id: string;
      name: string;
      /** @description the project (name) it belongs to */
      project: string;
      repositoryId: string;
      path: string;
      revision: string | null;
      /** @description how the path renders; null when detected from the files */
      source: components['schemas']['ApplicationSourceDto'] | null;
      targets: components['schemas']['TargetDto'][];
      rollout: components['schemas']['RolloutStrategyDto'] | null;
      syncPolicy: components['schemas']['SyncPolicyDto'];
      ignoreDifferences: string[];
      /** @description applications this one waits for on each cluster */
      dependsOn: string[];
      /** @description custom health checks, winning over the hub's */
      healthChecks: components['schemas']['HealthCheckRuleDto'][];
      suspended: boolean;
      deleting: boolean;
      /** @description id of the generator that made it (changed and removed through the generator only) */
      generatedBy: string | null;
      createdAt: string;
      updatedAt: string;
    };
    ApplicationPageDto: {
      items: components['schemas']['ApplicationDto'][];
      nextCursor: string | null;
    };
    LastJobDto: {
      id: string;
      /** @enum {string} */
      kind: 'sync' | 'remove';
      /** @enum {string} */
      state: 'queued' | 'leased' | 'succeeded' | 'failed' | 'superseded';
      revision: string;
      attempts: number;
      error: string | null;
      updatedAt: string;
    };
    ClusterStatusDto: {
      clusterId: string;
      clusterName: string;
      connectionState: string;
      revisionWanted: string | null;
      revisionApplied: string | null;
      /** @enum {string} */
      sync: 'Synced' | 'OutOfSync' | 'Progressing' | 'Failed' | 'Unknown';
      /** @enum {string} */
      health: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      message: string | null;
      lastJob: components['schemas']['LastJobDto'] | null;
      /** @description why the sync job is held on this cluster (dependencies not ready), e.g. "waiting for cert-manager on prod-eu-1: Progressing" */
      waitingFor: string | null;
    };
    ApplicationDetailDto: {
      id: string;
      name: string;
      /** @description the project (name) it belongs to */
      project: string;
      repositoryId: string;
      path: string;
      revision: string | null;
      /** @description how the path renders; null when detected from the files */
      source: components['schemas']['ApplicationSourceDto'] | null;
      targets: components['schemas']['TargetDto'][];
      rollout: components['schemas']['RolloutStrategyDto'] | null;
      syncPolicy: components['schemas']['SyncPolicyDto'];
      ignoreDifferences: string[];
      /** @description applications this one waits for on each cluster */
      dependsOn: string[];
      /** @description custom health checks, winning over the hub's */
      healthChecks: components['schemas']['HealthCheckRuleDto'][];
      suspended: boolean;
      deleting: boolean;
      /** @description id of the generator that made it (changed and removed through the generator only) */
      generatedBy: string | null;
      createdAt: string;
      updatedAt: string;
      /** @description Set while the repository's branch is rewound: automated sync stays at `from`; an explicit sync of a revision or a rollback may still deploy `to`. */
      rewound: components['schemas']['RewoundDto'] | null;
      /** @description The repository revision this application was last reconciled against. */
      reconciledRevision: string | null;
      /** @description warnings of the last render: plain Secrets deployed in clear under a project whose plainSecrets is warn */
      warnings: string[];
      clusters: components['schemas']['ClusterStatusDto'][];
      counts: {
        [key: string]: {
          [key: string]: number;
        };
      };
    };
    UpdateApplicationDto: {
      /**
       * @description project (name) the application belongs to; moves it into that project, whose rules it must then fit
       * @example team-a
       */
      project?: string;
      path?: string;
      /** @description how the path renders (helm, kustomize, manifests); omitted leaves it, null detects it from the files again */
      source?: components['schemas']['ApplicationSourceDto'] | null;
      targets?: components['schemas']['TargetDto'][];
      /** @description staged rollout; omitted leaves it, null removes it (changes then reach every cluster at once) */
      rollout?: components['schemas']['RolloutStrategyDto'] | null;
      syncPolicy?: components['schemas']['SyncPolicyDto'];
      ignoreDifferences?: string[];
      /** @description applications (names, same project) that must be Synced and Healthy on a cluster before this one syncs there; a cycle is refused */
      dependsOn?: string[];
      /** @description custom health checks of this application's objects; they win over the hub's for the same group/kind, from its next job on */
      healthChecks?: components['schemas']['HealthCheckRuleDto'][];
    };
    SyncRequestDto: {
      /** @description sync this revision once (pins it, like a rollback) */
      revision?: string;
    };
    SyncResultDto: {
      revision: string | null;
      jobs: number;
      removals: number;
      unchanged: number;
      renderFailures: number;
    };
    RollbackDto: {
      /** @description revision id to pin */
      revision: string;
    };
    DeploymentDto: {
      id: string;
      revision: string;
      revisionDisplay: string;
      trigger: string;
      actor: string;
      clusters: number;
      /** @enum {string} */
      outcome: 'pending' | 'succeeded' | 'failed' | 'partial' | 'superseded';
      jobs: {
        [key: string]: number;
      };
      createdAt: string;
    };
    DeploymentPageDto: {
      items: components['schemas']['DeploymentDto'][];
      nextCursor: string | null;
    };
    ResourceStatusDto: {
      clusterId: string;
      resource: string;
      action: string | null;
      health: string;
      healthMessage: string | null;
      drifted: boolean;
      diff: string | null;
      message: string | null;
      updatedAt: string;
    };
    ResourceListDto: {
      items: components['schemas']['ResourceStatusDto'][];
    };
    RolloutClusterDto: {
      id: string;
      name: string;
      /** @enum {string} */
      progress: 'pending' | 'syncing' | 'healthy' | 'failed' | 'unavailable' | 'rolled-back';
      message: string | null;
      startedAt: string | null;
    };
    RolloutBatchDto: {
      index: number;
      /** @enum {string} */
      state: 'pending' | 'progressing' | 'done';
      clusters: components['schemas']['RolloutClusterDto'][];
    };
    RolloutStageStatusDto: {
      name: string;
      /** @enum {string} */
      state: 'pending' | 'awaiting-approval' | 'progressing' | 'done';
      requireApproval: boolean;
      approved: boolean;
      minHealthySeconds: number;
      maxFailures: number;
      clusterCount: number;
      batches: components['schemas']['RolloutBatchDto'][];
    };
    RolloutHistoryDto: {
      at: string;
      action: string;
      stage?: number;
      batch?: number;
      actor?: string;
      reason?: string;
    };
    RolloutDto: {
      id: string;
      application: string;
      revision: string;
      revisionDisplay: string;
      /** @enum {string} */
      state:
        | 'progressing'
        | 'awaiting-approval'
        | 'paused'
        | 'completed'
        | 'aborted'
        | 'rolled-back'
        | 'superseded';
      /** @enum {string} */
      onFailure: 'pause' | 'rollback';
      /** @description why it waits, paused or ended */
      reason: string | null;
      startedBy: string;
      createdAt: string;
      updatedAt: string;
      endedAt: string | null;
      /** @description index of the stage it stands at (stages.length when complete) */
      stage: number;
      /** @description clusters by progress */
      counts: {
        [key: string]: number;
      };
      /** @description null in lists */
      stages: components['schemas']['RolloutStageStatusDto'][] | null;
      /** @description clusters no stage selects; they keep what they run */
      outside: components['schemas']['RolloutClusterDto'][] | null;
      history: components['schemas']['RolloutHistoryDto'][];
    };
    RolloutListDto: {
      items: components['schemas']['RolloutDto'][];
    };
    RolloutCommandDto: {
      reason?: string;
    };
    PreviewRequestDto: {
      /**
       * @description Git commit id or SVN revision number to preview
       * @example 42
       */
      revision?: string;
      /**
       * @description Git branch to preview (its newest commit)
       * @example feature/x
       */
      branch?: string;
    };
    PreviewRefDto: {
      revision: string | null;
      branch: string | null;
    };
    PreviewSummaryCountsDto: {
      clusters: number;
      changing: number;
      inSync: number;
      failing: number;
      unknown: number;
      pending: number;
      creates: number;
      changes: number;
      prunes: number;
      /** @example 37 clusters change 3 objects, 2 fail, 1 unknown */
      text: string;
    };
    PolicyDenialDto: {
      resource: string;
      reason: string;
    };
    FieldChangeDto: {
      /**
       * @description JSON pointer into the object
       * @example /spec/replicas
       */
      path: string;
      /** @enum {string} */
      op: 'add' | 'remove' | 'replace';
      /** @description JSON value; Secret values are "(redacted)" */
      before?: Record<string, never>;
      /** @description JSON value; Secret values are "(redacted)" */
      after?: Record<string, never>;
    };
    PreviewObjectDto: {
      /** @example apps/Deployment/web/api */
      id: string;
      /** @enum {string} */
      action: 'create' | 'change' | 'prune' | 'unchanged' | 'refused' | 'denied';
      message?: string;
      changes?: components['schemas']['FieldChangeDto'][];
      truncated?: boolean;
    };
    PreviewClusterDto: {
      clusterId: string;
      clusterName: string;
      /** @enum {string} */
      state: 'pending' | 'changes' | 'in-sync' | 'failed' | 'unknown';
      /** @description failed/unknown: why */
      reason: string | null;
      renderError: string | null;
      policyDenials: components['schemas']['PolicyDenialDto'][];
      objects: components['schemas']['PreviewObjectDto'][];
    };
    PreviewDto: {
      id: string;
      /** @description null: an application not created yet */
      applicationId: string | null;
      applicationName: string;
      projectName: string;
      /** @description as asked */
      ref: components['schemas']['PreviewRefDto'];
      /** @description as resolved (null: fetch failed) */
      revision: string | null;
      revisionDisplay: string | null;
      /** @enum {string} */
      state: 'running' | 'complete' | 'expired';
      createdAt: string;
      expiresAt: string;
      requestedBy: string;
      summary: components['schemas']['PreviewSummaryCountsDto'];
      clusters: components['schemas']['PreviewClusterDto'][];
    };
    PreviewSummaryDto: {
      id: string;
      /** @description null: an application not created yet */
      applicationId: string | null;
      applicationName: string;
      projectName: string;
      /** @description as asked */
      ref: components['schemas']['PreviewRefDto'];
      /** @description as resolved (null: fetch failed) */
      revision: string | null;
      revisionDisplay: string | null;
      /** @enum {string} */
      state: 'running' | 'complete' | 'expired';
      createdAt: string;
      expiresAt: string;
      requestedBy: string;
      summary: components['schemas']['PreviewSummaryCountsDto'];
    };
    PreviewListDto: {
      /** @description newest first */
      items: components['schemas']['PreviewSummaryDto'][];
    };
    DraftPreviewRequestDto: {
      /**
       * @description Git commit id or SVN revision number to preview
       * @example 42
       */
      revision?: string;
      /**
       * @description Git branch to preview (its newest commit)
       * @example feature/x
       */
      branch?: string;
      /** @description the same body as POST /api/v1/applications */
      application: components['schemas']['CreateApplicationDto'];
    };
    GeneratorTargetDto: {
      /**
       * @description with a clusters generator, narrowed to each generated cluster
       * @example env=prod
       */
      clusterSelector: string;
      /**
       * @description may use `${dir.name}`, `${dir.path}`, `${cluster.name}`, `${cluster.labels.KEY}`; must come out a DNS-1123 label
       * @example ${dir.name}
       */
      namespace?: string;
      /** @description string values may use `${dir.name}`, `${dir.path}`, `${cluster.name}`, `${cluster.labels.KEY}` */
      values?: {
        [key: string]: string | number | boolean;
      };
    };
    GeneratorTemplateDto: {
      /**
       * @description may use `${dir.name}`, `${dir.path}`, `${cluster.name}`, `${cluster.labels.KEY}`; must come out a DNS-1123 label
       * @example ${dir.name}
       */
      name: string;
      /**
       * @description may use `${dir.name}`, `${dir.path}`, `${cluster.name}`, `${cluster.labels.KEY}`
       * @example ${dir.path}
       */
      path: string;
      source?: components['schemas']['ApplicationSourceDto'] | null;
      targets: components['schemas']['GeneratorTargetDto'][];
      syncPolicy: components['schemas']['SyncPolicyDto'];
      /**
       * @example [
       *       "/spec/replicas"
       *     ]
       */
      ignoreDifferences?: string[];
      /** @description custom health checks of this application's objects; they win over the hub's for the same group/kind, from its next job on */
      healthChecks?: components['schemas']['HealthCheckRuleDto'][];
    };
    DirectoriesGeneratorDto: {
      /**
       * @description directories of the repository at its current revision; `*` matches within one segment
       * @example apps/*
       */
      glob: string;
    };
    ClustersGeneratorDto: {
      /** @example env=prod */
      selector: string;
    };
    CreateGeneratorDto: {
      /**
       * @description DNS-1123 label, not of the form of a UUID
       * @example team-apps
       */
      name: string;
      /**
       * @description project (name); default 'default'
       * @example team-a
       */
      project?: string;
      /** @description repository id or name every generated application deploys from */
      repositoryId: string;
      template: components['schemas']['GeneratorTemplateDto'];
      /** @description one application per matching directory */
      directories?: components['schemas']['DirectoriesGeneratorDto'];
      /** @description one application per matching cluster; with directories, one per pair (matrix) */
      clusters?: components['schemas']['ClustersGeneratorDto'];
      /** @description removing a generated application leaves its objects in the clusters (default false) */
      preserveOnDelete?: boolean;
    };
    GeneratorStatusDto: {
      /** @description repository revision of the last recompute */
      revision: string | null;
      /** @description names of the applications it made */
      applications: string[];
      /** @description what the last recompute could not do, and why */
      errors: string[];
      recomputedAt: string | null;
    };
    GeneratorDetailDto: {
      id: string;
      name: string;
      project: string;
      repositoryId: string;
      template: components['schemas']['GeneratorTemplateDto'];
      directories: components['schemas']['DirectoriesGeneratorDto'] | null;
      clusters: components['schemas']['ClustersGeneratorDto'] | null;
      preserveOnDelete: boolean;
      status: components['schemas']['GeneratorStatusDto'];
      createdAt: string;
      updatedAt: string;
      /** @description the applications it made */
      applications: components['schemas']['ApplicationDto'][];
    };
    GeneratorDto: {
      id: string;
      name: string;
      project: string;
      repositoryId: string;
      template: components['schemas']['GeneratorTemplateDto'];
      directories: components['schemas']['DirectoriesGeneratorDto'] | null;
      clusters: components['schemas']['ClustersGeneratorDto'] | null;
      preserveOnDelete: boolean;
      status: components['schemas']['GeneratorStatusDto'];
      createdAt: string;
      updatedAt: string;
    };
    GeneratorPageDto: {
      items: components['schemas']['GeneratorDto'][];
      nextCursor: string | null;
    };
    UpdateGeneratorDto: {
      template?: components['schemas']['GeneratorTemplateDto'];
      /** @description null removes it */
      directories?: components['schemas']['DirectoriesGeneratorDto'] | null;
      /** @description null removes it */
      clusters?: components['schemas']['ClustersGeneratorDto'] | null;
      preserveOnDelete?: boolean;
    };
    HealthCheckDto: {
      /** Format: uuid */
      id: string;
      group: string;
      kind: string;
      current: string;
      inProgress: string | null;
      failed: string | null;
      createdAt: string;
      updatedAt: string;
    };
    HealthCheckListDto: {
      items: components['schemas']['HealthCheckDto'][];
    };
    EvaluateHealthCheckDto: {
      rule: components['schemas']['HealthCheckRuleDto'];
      /** @description a Kubernetes object as the API server returns it (apiVersion, kind, metadata, status...) */
      object: {
        apiVersion: string;
        kind: string;
        metadata: {
          name: string;
        } & {
          [key: string]: unknown;
        };
      } & {
        [key: string]: unknown;
      };
    };
    HealthVerdictDto: {
      /** @enum {string} */
      status: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      message: string;
      /** @description whether the rule judged the object (false: its group/kind is another, built-in rules judged it) */
      matched: boolean;
    };
    RegisterRequestDto: {
      registrationToken: string;
      agentVersion: string;
      kubernetesVersion?: string;
      /** @description the agent's public age (X25519) recipient, for sealed secrets */
      ageRecipient?: string;
    };
    RegisterResponseDto: {
      clusterId: string;
      clusterName: string;
      /** @description bearer credential of this agent; shown once */
      credential: string;
    };
    ResourceResultDto: {
      id: string;
      /** @enum {string} */
      action: 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';
      message?: string;
      /** @enum {string} */
      health?: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      healthMessage?: string;
    };
    HookResultDto: {
      /** @enum {string} */
      phase: 'PreSync' | 'PostSync' | 'SyncFail';
      resource: string;
      /** @enum {string} */
      outcome: 'succeeded' | 'failed';
      message?: string;
    };
    JobResultDto: {
      /** Format: uuid */
      reportId: string;
      /** @enum {string} */
      outcome: 'succeeded' | 'failed';
      retryable?: boolean;
      message?: string;
      resources: components['schemas']['ResourceResultDto'][];
      hooks?: components['schemas']['HookResultDto'][];
      inventory: string[];
    };
    ReportAckDto: {
      /** @description false when this reportId had already been recorded */
      recorded: boolean;
      /** @description status reports: entries ignored because their application has no desired state on this cluster */
      ignored?: number;
    };
    FieldChangeV1Dto: {
      /** @description JSON pointer */
      path: string;
      /** @enum {string} */
      op: 'add' | 'remove' | 'replace';
      before?: {
        [key: string]: components['schemas']['JsonValue'];
      };
      after?: {
        [key: string]: components['schemas']['JsonValue'];
      };
    };
    PreviewObjectV1Dto: {
      /** @example apps/Deployment/web/api */
      id: string;
      /** @enum {string} */
      action: 'create' | 'change' | 'prune' | 'unchanged' | 'refused' | 'denied';
      message?: string;
      changes?: components['schemas']['FieldChangeV1Dto'][];
      truncated?: boolean;
    };
    PreviewResultDto: {
      /** Format: uuid */
      reportId: string;
      /** @enum {string} */
      outcome: 'completed' | 'failed';
      message?: string;
      objects: components['schemas']['PreviewObjectV1Dto'][];
    };
    JobLeaseDto: {
      /** Format: date-time */
      leaseExpiresAt: string;
      /** @description length of a lease; renew well before it passed */
      leaseSeconds: number;
    };
    ResourceStatusReportDto: {
      /** Format: uuid */
      applicationId: string;
      resource: string;
      /** @enum {string} */
      health: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      healthMessage?: string;
      drifted: boolean;
      diff?: string;
    };
    AgentEventDto: {
      /** @enum {string} */
      type: 'drift.detected' | 'drift.corrected' | 'resource.health-changed';
      /** Format: uuid */
      applicationId: string;
      resource: string;
      revision?: string;
      diff?: string;
      /** @enum {string} */
      health?: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      message?: string;
      /** Format: date-time */
      time: string;
    };
    StatusReportDto: {
      /** Format: uuid */
      reportId: string;
      resources: components['schemas']['ResourceStatusReportDto'][];
      events: components['schemas']['AgentEventDto'][];
    };
    HeartbeatDto: {
      agentVersion: string;
      kubernetesVersion?: string;
      /** @description every group/version the API server serves, sent when it changed */
      apiVersions?: string[];
      /** @description the agent's public age (X25519) recipient, for sealed secrets */
      ageRecipient?: string;
    };
    HeartbeatAnswerDto: {
      /** @description an operator asked for a new age identity: make one and send its recipient */
      rotateAgeKey?: boolean;
    };
    FleetStatusDto: {
      applicationId: string;
      applicationName: string;
      clusterId: string;
      clusterName: string;
      /** @enum {string} */
      connectionState: 'Pending' | 'Connected' | 'Disconnected';
      /** @description revision id the cluster should run */
      wantedRevision: string | null;
      /** @description e.g. main@sha1:1a2b3c4 */
      wantedRevisionDisplay: string | null;
      /** @description revision id the agent last applied */
      appliedRevision: string | null;
      appliedRevisionDisplay: string | null;
      /** @enum {string} */
      sync: 'Synced' | 'OutOfSync' | 'Progressing' | 'Failed' | 'Unknown';
      /** @enum {string} */
      health: 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';
      /** @description live objects differ from the desired state */
      drifted: boolean;
      message: string | null;
      lastJob: components['schemas']['LastJobDto'] | null;
      /** @description when any of the above last changed */
      updatedAt: string;
    };
    FleetStatusCountsDto: {
      /** @description rows the filter selects, over every page */
      total: number;
      /**
       * @example {
       *       "Synced": 40,
       *       "Failed": 2
       *     }
       */
      sync: {
        [key: string]: number;
      };
      /**
       * @example {
       *       "Current": 40,
       *       "Unknown": 2
       *     }
       */
      health: {
        [key: string]: number;
      };
    };
    FleetStatusPageDto: {
      items: components['schemas']['FleetStatusDto'][];
      nextCursor: string | null;
      counts: components['schemas']['FleetStatusCountsDto'];
    };
    GridApplicationDto: {
      id: string;
      name: string;
      path: string;
    };
    GridClusterDto: {
      id: string;
      name: string;
      labels: {
        [key: string]: string;
      };
      /** @enum {string} */
      connectionState: 'Pending' | 'Connected' | 'Disconnected';
      agentVersion: string | null;
      kubernetesVersion: string | null;
    };
    GridCellDto: {
      applicationId: string;
      sync: string;
      health: string;
      /**
       * @description how the grid colours the cell
       * @enum {string}
       */
      state: 'failed' | 'outofsync' | 'progressing' | 'ok' | 'unknown';
    };
    GridRowDto: {
      cluster: components['schemas']['GridClusterDto'];
      /** @description the applications that target the cluster */
      cells: components['schemas']['GridCellDto'][];
    };
    GridCellCountsDto: {
      failed: number;
      outofsync: number;
      progressing: number;
      ok: number;
      unknown: number;
    };
    GridCountsDto: {
      /** @description clusters the selector picks (the state filter aside) */
      clusters: number;
      connected: number;
      disconnected: number;
      pending: number;
      applications: number;
      /** @description cells of those clusters, by grid state */
      cells: components['schemas']['GridCellCountsDto'];
    };
    FleetGridDto: {
      /** @description every application, by name: the columns */
      applications: components['schemas']['GridApplicationDto'][];
      /** @description the window of clusters asked for, by name */
      rows: components['schemas']['GridRowDto'][];
      /** @description clusters the selector and state filter keep, over every window */
      total: number;
      offset: number;
      counts: components['schemas']['GridCountsDto'];
    };
    ProblemCountsDto: {
      /** @description the agent is disconnected */
      disconnected: number;
      /** @description sync Failed (render or apply) */
      failed: number;
      /** @description health Failed */
      degraded: number;
      /** @description sync OutOfSync (e.g. drift) */
      outofsync: number;
    };
    LabelKeyDto: {
      key: string;
      /** @description clusters in scope carrying it */
      clusters: number;
    };
    ProblemGroupDto: {
      /** @description application name, or label value (null: clusters without the label) */
      name: string | null;
      /** @description application id; null for label groups */
      id: string | null;
      /** @description affected clusters of the group */
      clusters: number;
      /** @description affected clusters by kind (a cluster may show several) */
      counts: components['schemas']['ProblemCountsDto'];
    };
    FleetProblemsDto: {
      /** @description clusters the selector picks (and the caller sees) */
      clusters: number;
      /** @description of those, clusters with at least one problem */
      affected: number;
      /** @description affected clusters by kind */
      counts: components['schemas']['ProblemCountsDto'];
      /** @description label keys to group by, most common first */
      labelKeys: components['schemas']['LabelKeyDto'][];
      /** @description the label the groups are by */
      label: string | null;
      /** @description applications with problems, most urgent first */
      applications: components['schemas']['ProblemGroupDto'][];
      /** @description label values with problems, most urgent first */
      labels: components['schemas']['ProblemGroupDto'][];
    };
    ProblemItemDto: {
      clusterId: string;
      clusterName: string;
      labels: {
        [key: string]: string;
      };
      /** @enum {string} */
      connectionState: 'Pending' | 'Connected' | 'Disconnected';
      /** @description null: a disconnected cluster no application targets */
      applicationId: string | null;
      applicationName: string | null;
      /** @enum {string} */
      kind: 'disconnected' | 'failed' | 'degraded' | 'outofsync';
      sync: string | null;
      health: string | null;
      message: string | null;
      updatedAt: string | null;
    };
    FleetProblemListDto: {
      /** @description most urgent first, then by cluster */
      items: components['schemas']['ProblemItemDto'][];
      /** @description affected rows the filter selects, listed or not */
      total: number;
    };
    SubscriptionFilterDto: {
      /**
       * @description exact actions, or prefixes ending in "." or "*" (sync.*); absent or empty: every action
       * @example [
       *       "sync.failed",
       *       "rollout.*"
       *     ]
       */
      actions?: string[];
      /** @description application name or id */
      application?: string;
      /** @description project name or id; its operators then manage the subscription */
      project?: string;
      /** @description label selector over the cluster of an event (env=prod,tier!=edge) */
      clusterSelector?: string;
      /**
       * @default any
       * @enum {string}
       */
      outcome: 'success' | 'failure' | 'any';
    };
    SmtpDto: {
      /** @example smtp.example.com */
      host: string;
      /** @example 587 */
      port: number;
      username?: string;
      password?: string;
      /**
       * Format: email
       * @example flotilla@example.com
       */
      from: string;
      /**
       * @description starttls: plain connection upgraded (required, never sent in clear); tls: TLS from the start
       * @enum {string}
       */
      tls: 'starttls' | 'tls';
    };
    ChannelDto: {
      /** @enum {string} */
      type: 'webhook' | 'slack' | 'email';
      /** @description webhook and slack: an https (or http) URL; a Slack URL is a secret and never shown again */
      url?: string;
      /** @description email: recipients */
      to?: string[];
      smtp?: components['schemas']['SmtpDto'];
    } & (
      | {
          /** @constant */
          type?: 'webhook';
        }
      | {
          /** @constant */
          type?: 'slack';
        }
      | {
          /** @constant */
          type?: 'email';
        }
    );
    CreateSubscriptionDto: {
      /**
       * @description DNS-1123 label, not of the form of a UUID
       * @example web-failures
       */
      name: string;
      filter?: components['schemas']['SubscriptionFilterDto'];
      channel: components['schemas']['ChannelDto'];
      /** @default true */
      enabled: boolean;
    };
    SubscriptionFilterViewDto: {
      actions: string[];
      /** @description application name */
      application: string | null;
      /** @description project name */
      project: string | null;
      clusterSelector: string | null;
      /** @enum {string} */
      outcome: 'success' | 'failure' | 'any';
    };
    SmtpViewDto: {
      host: string;
      port: number;
      username: string | null;
      from: string;
      /** @enum {string} */
      tls: 'starttls' | 'tls';
      hasPassword: boolean;
    };
    ChannelViewDto: {
      /** @enum {string} */
      type: 'webhook' | 'slack' | 'email';
      /** @description webhook: the URL; slack: scheme and host only (the path is the secret) */
      url?: string;
      to?: string[];
      /** @description email: the SMTP server (never its password) */
      smtp?: components['schemas']['SmtpViewDto'];
    };
    SubscriptionDto: {
      id: string;
      name: string;
      filter: components['schemas']['SubscriptionFilterViewDto'];
      channel: components['schemas']['ChannelViewDto'];
      enabled: boolean;
      createdAt: string;
      updatedAt: string;
      /** @description webhook: the HMAC signing secret, in the answer that created or rotated it only; store it now */
      signingSecret?: string;
    };
    SubscriptionPageDto: {
      items: components['schemas']['SubscriptionDto'][];
      nextCursor: string | null;
    };
    UpdateSubscriptionDto: {
      /** @description DNS-1123 label, not of the form of a UUID */
      name?: string;
      /** @description replaces the whole filter */
      filter?: components['schemas']['SubscriptionFilterDto'];
      /** @description replaces the channel (secrets included) */
      channel?: components['schemas']['ChannelDto'];
      enabled?: boolean;
    };
    DeliveryDto: {
      id: string;
      /** @description the same on every attempt; receivers drop repeats by it */
      idempotencyKey: string;
      /** @enum {string} */
      status: 'pending' | 'delivered' | 'failed';
      attempts: number;
      lastError: string | null;
      nextAttemptAt: string | null;
      deliveredAt: string | null;
      createdAt: string;
      eventCount: number;
      title: string;
    };
    DeliveryPageDto: {
      items: components['schemas']['DeliveryDto'][];
      nextCursor: string | null;
    };
    ErrorBody: {
      statusCode: number;
      /** @description HTTP reason phrase */
      error: string;
      /** @description what went wrong, naming the field or object */
      message: string;
      /** @description a refused CEL expression: each problem, with its position in the expression */
      problems?: {
        /** @description e.g. current, or healthChecks[1].failed */
        field: string;
        message: string;
        position?: {
          offset: number;
          line: number;
          column: number;
        };
      }[];
    };
    /** @description any JSON value whose strings (and keys) hold no NUL character (U+0000) */
    JsonValue: unknown;
  };
  responses: {
    /** @description Bad Request: a parameter or the body breaks a rule; the message names it */
    400: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Unauthorized: missing, unknown, expired or revoked credential */
    401: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Forbidden: the credential's role does not allow this */
    403: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Not Found: no such object (by id or name) */
    404: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Conflict: conflicts with the current state (a duplicate name, a stale base revision) */
    409: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Payload Too Large: the request body is too large */
    413: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Too Many Requests: too many failed authentications from this address; retry later */
    429: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
    /** @description Service Unavailable: the database is unavailable; retry shortly */
    503: {
      headers: {
        [name: string]: unknown;
      };
      content: {
        'application/json': components['schemas']['ErrorBody'];
      };
    };
  };
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
};
export type ActorDto = components['schemas']['ActorDto'];
export type AuditEventDto = components['schemas']['AuditEventDto'];
export type AuditPageDto = components['schemas']['AuditPageDto'];
export type CheckpointResultDto = components['schemas']['CheckpointResultDto'];
export type VerifiedFromDto = components['schemas']['VerifiedFromDto'];
export type ChainVerdictDto = components['schemas']['ChainVerdictDto'];
export type AuditCheckpointDto = components['schemas']['AuditCheckpointDto'];
export type CheckpointPublicKeyDto = components['schemas']['CheckpointPublicKeyDto'];
export type AuditCheckpointPageDto = components['schemas']['AuditCheckpointPageDto'];
export type CreateTokenDto = components['schemas']['CreateTokenDto'];
export type CreatedTokenDto = components['schemas']['CreatedTokenDto'];
export type TokenDto = components['schemas']['TokenDto'];
export type TokenListDto = components['schemas']['TokenListDto'];
export type SsoIdentityDto = components['schemas']['SsoIdentityDto'];
export type WhoamiDto = components['schemas']['WhoamiDto'];
export type SsoCliConfigDto = components['schemas']['SsoCliConfigDto'];
export type SsoConfigDto = components['schemas']['SsoConfigDto'];
export type SsoTokenLoginDto = components['schemas']['SsoTokenLoginDto'];
export type SsoSessionDto = components['schemas']['SsoSessionDto'];
export type SsoSessionInfoDto = components['schemas']['SsoSessionInfoDto'];
export type SsoSessionListDto = components['schemas']['SsoSessionListDto'];
export type ClusterGuardrailDto = components['schemas']['ClusterGuardrailDto'];
export type CreateClusterDto = components['schemas']['CreateClusterDto'];
export type RegistrationDto = components['schemas']['RegistrationDto'];
export type JoinCommandsDto = components['schemas']['JoinCommandsDto'];
export type ClusterWithRegistrationDto = components['schemas']['ClusterWithRegistrationDto'];
export type ClusterDto = components['schemas']['ClusterDto'];
export type ClusterPageDto = components['schemas']['ClusterPageDto'];
export type UpdateClusterDto = components['schemas']['UpdateClusterDto'];
export type ClusterRecipientDto = components['schemas']['ClusterRecipientDto'];
export type RecipientListDto = components['schemas']['RecipientListDto'];
export type ResealNeededDto = components['schemas']['ResealNeededDto'];
export type KeyRotationDto = components['schemas']['KeyRotationDto'];
export type CredentialsDto = components['schemas']['CredentialsDto'];
export type CreateRepositoryDto = components['schemas']['CreateRepositoryDto'];
export type RewoundDto = components['schemas']['RewoundDto'];
export type RepositoryDto = components['schemas']['RepositoryDto'];
export type RepositoryPageDto = components['schemas']['RepositoryPageDto'];
export type UpdateRepositoryDto = components['schemas']['UpdateRepositoryDto'];
export type RevisionRefDto = components['schemas']['RevisionRefDto'];
export type CommitDto = components['schemas']['CommitDto'];
export type CommitPageDto = components['schemas']['CommitPageDto'];
export type TreeEntryDto = components['schemas']['TreeEntryDto'];
export type TreeDto = components['schemas']['TreeDto'];
export type PutFileDto = components['schemas']['PutFileDto'];
export type CommitResultDto = components['schemas']['CommitResultDto'];
export type DeleteFileDto = components['schemas']['DeleteFileDto'];
export type ProjectSourceDto = components['schemas']['ProjectSourceDto'];
export type GroupKindDto = components['schemas']['GroupKindDto'];
export type ObjectPolicyDto = components['schemas']['ObjectPolicyDto'];
export type CreateProjectDto = components['schemas']['CreateProjectDto'];
export type ProjectDto = components['schemas']['ProjectDto'];
export type ProjectListDto = components['schemas']['ProjectListDto'];
export type UpdateProjectDto = components['schemas']['UpdateProjectDto'];
export type HelmSourceDto = components['schemas']['HelmSourceDto'];
export type KustomizeSourceDto = components['schemas']['KustomizeSourceDto'];
export type ApplicationSourceDto = components['schemas']['ApplicationSourceDto'];
export type PatchTargetDto = components['schemas']['PatchTargetDto'];
export type TargetPatchDto = components['schemas']['TargetPatchDto'];
export type TargetHelmDto = components['schemas']['TargetHelmDto'];
export type TargetDto = components['schemas']['TargetDto'];
export type RolloutStageDto = components['schemas']['RolloutStageDto'];
export type RolloutStrategyDto = components['schemas']['RolloutStrategyDto'];
export type SyncPolicyDto = components['schemas']['SyncPolicyDto'];
export type HealthCheckRuleDto = components['schemas']['HealthCheckRuleDto'];
export type CreateApplicationDto = components['schemas']['CreateApplicationDto'];
export type ApplicationDto = components['schemas']['ApplicationDto'];
export type ApplicationPageDto = components['schemas']['ApplicationPageDto'];
export type LastJobDto = components['schemas']['LastJobDto'];
export type ClusterStatusDto = components['schemas']['ClusterStatusDto'];
export type ApplicationDetailDto = components['schemas']['ApplicationDetailDto'];
export type UpdateApplicationDto = components['schemas']['UpdateApplicationDto'];
export type SyncRequestDto = components['schemas']['SyncRequestDto'];
export type SyncResultDto = components['schemas']['SyncResultDto'];
export type RollbackDto = components['schemas']['RollbackDto'];
export type DeploymentDto = components['schemas']['DeploymentDto'];
export type DeploymentPageDto = components['schemas']['DeploymentPageDto'];
export type ResourceStatusDto = components['schemas']['ResourceStatusDto'];
export type ResourceListDto = components['schemas']['ResourceListDto'];
export type RolloutClusterDto = components['schemas']['RolloutClusterDto'];
export type RolloutBatchDto = components['schemas']['RolloutBatchDto'];
export type RolloutStageStatusDto = components['schemas']['RolloutStageStatusDto'];
export type RolloutHistoryDto = components['schemas']['RolloutHistoryDto'];
export type RolloutDto = components['schemas']['RolloutDto'];
export type RolloutListDto = components['schemas']['RolloutListDto'];
export type RolloutCommandDto = components['schemas']['RolloutCommandDto'];
export type PreviewRequestDto = components['schemas']['PreviewRequestDto'];
export type PreviewRefDto = components['schemas']['PreviewRefDto'];
export type PreviewSummaryCountsDto = components['schemas']['PreviewSummaryCountsDto'];
export type PolicyDenialDto = components['schemas']['PolicyDenialDto'];
export type FieldChangeDto = components['schemas']['FieldChangeDto'];
export type PreviewObjectDto = components['schemas']['PreviewObjectDto'];
export type PreviewClusterDto = components['schemas']['PreviewClusterDto'];
export type PreviewDto = components['schemas']['PreviewDto'];
export type PreviewSummaryDto = components['schemas']['PreviewSummaryDto'];
export type PreviewListDto = components['schemas']['PreviewListDto'];
export type DraftPreviewRequestDto = components['schemas']['DraftPreviewRequestDto'];
export type GeneratorTargetDto = components['schemas']['GeneratorTargetDto'];
export type GeneratorTemplateDto = components['schemas']['GeneratorTemplateDto'];
export type DirectoriesGeneratorDto = components['schemas']['DirectoriesGeneratorDto'];
export type ClustersGeneratorDto = components['schemas']['ClustersGeneratorDto'];
export type CreateGeneratorDto = components['schemas']['CreateGeneratorDto'];
export type GeneratorStatusDto = components['schemas']['GeneratorStatusDto'];
export type GeneratorDetailDto = components['schemas']['GeneratorDetailDto'];
export type GeneratorDto = components['schemas']['GeneratorDto'];
export type GeneratorPageDto = components['schemas']['GeneratorPageDto'];
export type UpdateGeneratorDto = components['schemas']['UpdateGeneratorDto'];
export type HealthCheckDto = components['schemas']['HealthCheckDto'];
export type HealthCheckListDto = components['schemas']['HealthCheckListDto'];
export type EvaluateHealthCheckDto = components['schemas']['EvaluateHealthCheckDto'];
export type HealthVerdictDto = components['schemas']['HealthVerdictDto'];
export type RegisterRequestDto = components['schemas']['RegisterRequestDto'];
export type RegisterResponseDto = components['schemas']['RegisterResponseDto'];
export type ResourceResultDto = components['schemas']['ResourceResultDto'];
export type HookResultDto = components['schemas']['HookResultDto'];
export type JobResultDto = components['schemas']['JobResultDto'];
export type ReportAckDto = components['schemas']['ReportAckDto'];
export type FieldChangeV1Dto = components['schemas']['FieldChangeV1Dto'];
export type PreviewObjectV1Dto = components['schemas']['PreviewObjectV1Dto'];
export type PreviewResultDto = components['schemas']['PreviewResultDto'];
export type JobLeaseDto = components['schemas']['JobLeaseDto'];
export type ResourceStatusReportDto = components['schemas']['ResourceStatusReportDto'];
export type AgentEventDto = components['schemas']['AgentEventDto'];
export type StatusReportDto = components['schemas']['StatusReportDto'];
export type HeartbeatDto = components['schemas']['HeartbeatDto'];
export type HeartbeatAnswerDto = components['schemas']['HeartbeatAnswerDto'];
export type FleetStatusDto = components['schemas']['FleetStatusDto'];
export type FleetStatusCountsDto = components['schemas']['FleetStatusCountsDto'];
export type FleetStatusPageDto = components['schemas']['FleetStatusPageDto'];
export type GridApplicationDto = components['schemas']['GridApplicationDto'];
export type GridClusterDto = components['schemas']['GridClusterDto'];
export type GridCellDto = components['schemas']['GridCellDto'];
export type GridRowDto = components['schemas']['GridRowDto'];
export type GridCellCountsDto = components['schemas']['GridCellCountsDto'];
export type GridCountsDto = components['schemas']['GridCountsDto'];
export type FleetGridDto = components['schemas']['FleetGridDto'];
export type ProblemCountsDto = components['schemas']['ProblemCountsDto'];
export type LabelKeyDto = components['schemas']['LabelKeyDto'];
export type ProblemGroupDto = components['schemas']['ProblemGroupDto'];
export type FleetProblemsDto = components['schemas']['FleetProblemsDto'];
export type ProblemItemDto = components['schemas']['ProblemItemDto'];
export type FleetProblemListDto = components['schemas']['FleetProblemListDto'];
export type SubscriptionFilterDto = components['schemas']['SubscriptionFilterDto'];
export type SmtpDto = components['schemas']['SmtpDto'];
export type ChannelDto = components['schemas']['ChannelDto'];
export type CreateSubscriptionDto = components['schemas']['CreateSubscriptionDto'];
export type SubscriptionFilterViewDto = components['schemas']['SubscriptionFilterViewDto'];
export type SmtpViewDto = components['schemas']['SmtpViewDto'];
export type ChannelViewDto = components['schemas']['ChannelViewDto'];
export type SubscriptionDto = components['schemas']['SubscriptionDto'];
export type SubscriptionPageDto = components['schemas']['SubscriptionPageDto'];
export type UpdateSubscriptionDto = components['schemas']['UpdateSubscriptionDto'];
export type DeliveryDto = components['schemas']['DeliveryDto'];
export type DeliveryPageDto = components['schemas']['DeliveryPageDto'];
export type ErrorBody = components['schemas']['ErrorBody'];
export type JsonValue = components['schemas']['JsonValue'];
export type Response400 = components['responses']['400'];
export type Response401 = components['responses']['401'];
export type Response403 = components['responses']['403'];
export type Response404 = components['responses']['404'];
export type Response409 = components['responses']['409'];
export type Response413 = components['responses']['413'];
export type Response429 = components['responses']['429'];
export type Response503 = components['responses']['503'];
export type $defs = Record<string, never>;
export interface operations {
  Audit_list: {
    parameters: {
      query?: {
        /** @description cluster id */
        cluster?: string;
        /** @description repository id */
        repository?: string;
        /** @description application id */
        application?: string;
        /** @description project name or id: events of its applications and of the project itself */
        project?: string;
        /** @description exact action, or a prefix such as cluster.* */
        action?: string;
        /** @description actor name (token name, SSO user email, agent:<cluster>, system) */
        actor?: string;
        /** @description group/Kind/namespace/name */
        resource?: string;
        revision?: string;
        since?: string;
        until?: string;
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Audit_export: {
    parameters: {
      query?: {
        /** @description cluster id */
        cluster?: string;
        /** @description repository id */
        repository?: string;
        /** @description application id */
        application?: string;
        /** @description project name or id: events of its applications and of the project itself */
        project?: string;
        /** @description exact action, or a prefix such as cluster.* */
        action?: string;
        /** @description actor name (token name, SSO user email, agent:<cluster>, system) */
        actor?: string;
        /** @description group/Kind/namespace/name */
        resource?: string;
        revision?: string;
        since?: string;
        until?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description one AuditEvent JSON object per line, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': unknown;
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Audit_verify: {
    parameters: {
      query?: {
        /** @description a checkpoint kept outside the hub, as <seq>:<hash> (hash: 64 lowercase hex characters) */
        checkpoint?: string;
        /** @description start (default): the whole kept chain, from its first event or, once retention detached older months, from the signed checkpoint where it starts; latest-checkpoint: only the events after the newest signed checkpoint (incremental) */
        from?: 'start' | 'latest-checkpoint';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ChainVerdictDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Audit_checkpointList: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditCheckpointPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Audit_publicKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CheckpointPublicKeyDto'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Token_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TokenListDto'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Token_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateTokenDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CreatedTokenDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description a project named in `projects` does not exist */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Token_revoke: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Whoami_whoami: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['WhoamiDto'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Sso_config: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SsoConfigDto'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Sso_login: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description redirect to the OpenID provider's login page */
      302: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description single sign-on is not configured on this hub */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description the OpenID provider could not be reached */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Sso_callback: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description signed in: the session cookie is set and the browser sent to the dashboard */
      302: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description sign-in refused: bad or missing state or login cookie, or an invalid, expired or foreign ID token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description sign-in refused: none of the person's groups maps to a role */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description single sign-on is not configured on this hub */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description too many failed sign-ins from this address */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Sso_token: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SsoTokenLoginDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SsoSessionDto'];
        };
      };
      400: components['responses']['400'];
      /** @description sign-in refused: bad or missing state or login cookie, or an invalid, expired or foreign ID token */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description sign-in refused: none of the person's groups maps to a role */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description single sign-on is not configured on this hub */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description too many failed sign-ins from this address */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Sso_logout: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the session is revoked and its cookie cleared */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the request is authenticated by an API token, not an SSO session */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  SsoSession_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description live sessions, newest first (at most 500) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SsoSessionListDto'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  SsoSession_revoke: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the session is deleted: its next request is refused (401) */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such session (expired, logged out or revoked already) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
        selector?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateClusterDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterWithRegistrationDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateClusterDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_registrationToken: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RegistrationDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_revokeCredential: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Revokes the agent's credential: it gets 401 from then on and the cluster needs a new registration. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClusterDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such cluster */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Cluster_agentManifest: {
    parameters: {
      query?: {
        /** @description namespace of the agent (DNS-1123 label) */
        namespace?: string;
        /** @description agent image; default ghcr.io/flotilla/flotilla-agent:<hub version> */
        image?: string;
      };
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Namespace, ServiceAccount, RBAC, Secret and Deployment of the agent, for `kubectl apply -f -`. Issues a fresh registration token (the previous one stops working) and audits it. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/yaml': string;
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  ClusterKeys_recipients: {
    parameters: {
      query?: {
        /** @description label selector of the clusters to seal for (empty: every cluster the caller may see) */
        selector?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RecipientListDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the selector chooses more than 1000 clusters */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  ClusterKeys_rotateKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Asks the cluster's agent for a new age identity (on its next heartbeat) and lists the sealed secrets of its current bundles sealed to the key being replaced. Audited. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['KeyRotationDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description the agent has not sent a key yet */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Repository_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Repository_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateRepositoryDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Repository_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Repository_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Repository_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateRepositoryDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_revisions: {
    parameters: {
      query?: {
        /** @description only commits touching this path */
        path?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommitPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_tree: {
    parameters: {
      query?: {
        path?: string;
        /** @description revision id; newest when omitted */
        revision?: string;
      };
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TreeDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_read: {
    parameters: {
      query?: {
        /** @description revision id; newest when omitted */
        revision?: string;
      };
      header?: never;
      path: {
        idOrName: string;
        /** @description file path inside the repository */
        path: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_put: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
        /** @description file path inside the repository */
        path: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PutFileDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommitResultDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_remove: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
        /** @description file path inside the repository */
        path: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DeleteFileDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CommitResultDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  RepositoryContent_refresh: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RepositoryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      /** @description the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy */
      424: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Project_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProjectListDto'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Project_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateProjectDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProjectDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Project_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProjectDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Project_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description applications still belong to it, or it is the 'default' project */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Project_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateProjectDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProjectDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Webhook_git: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description push event as GitHub or Gitea send it (GitLab: project.git_http_url), signed with the repository webhook secret (X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token) */
    requestBody: {
      content: {
        'application/json': {
          /** @example refs/heads/main */
          ref?: string;
          repository: {
            clone_url: string;
          };
        };
      };
    };
    responses: {
      /** @description GitHub, GitLab or Gitea push event; the matching repositories are polled at once */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            refreshed: string[];
          };
        };
      };
      400: components['responses']['400'];
      /** @description no signature, or none matches a repository with this URL */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no repository has this URL */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      503: components['responses']['503'];
    };
  };
  Webhook_svn: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description {url, revision} signed with the repository webhook secret (X-Flotilla-Signature) */
    requestBody: {
      content: {
        'application/json': {
          url: string;
          revision?: string;
        };
      };
    };
    responses: {
      /** @description post-commit hook of an SVN repository (scripts/svn-post-commit) */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            refreshed: string[];
          };
        };
      };
      400: components['responses']['400'];
      /** @description no signature, or none matches a repository with this URL */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no repository has this URL */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      503: components['responses']['503'];
    };
  };
  Application_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
        /** @description only applications of this project (name) */
        project?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApplicationPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateApplicationDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApplicationDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the repository named by repositoryId, or an application named in dependsOn (same project), does not exist */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description the name is taken, or dependsOn would close a cycle (named) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApplicationDetailDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description removal jobs queued; the record goes when they finish */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            pending: number;
          };
        };
      };
      /** @description removed at once: nothing was deployed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      /** @description other applications depend on it (named): they are removed first */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateApplicationDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApplicationDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the application, or an application named in dependsOn (same project), does not exist */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description dependsOn would close a cycle (named), or the application would leave its project while others depend on it */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_sync: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['SyncRequestDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncResultDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_rollback: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RollbackDto'];
      };
    };
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncResultDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_unpin: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SyncResultDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_history: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
      };
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeploymentPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Application_resources: {
    parameters: {
      query?: {
        /** @description only this cluster (id) */
        cluster?: string;
      };
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceListDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Rollout_current: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the latest rollout, with every cluster */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RolloutDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such application, or it has had no rollout */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Rollout_list: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the 50 latest rollouts, newest first, without clusters */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RolloutListDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Rollout_one: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RolloutDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Rollout_command: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
        command: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['RolloutCommandDto'];
      };
    };
    responses: {
      /** @description the rollout after the command */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RolloutDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such application, or no such command */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description the command does not apply to the rollout in its state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Preview_list: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description newest first, without clusters */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreviewListDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such application (or one the caller may not see) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Preview_request: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['PreviewRequestDto'];
      };
    };
    responses: {
      /** @description rendered; agents are asked (state running) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreviewDto'];
        };
      };
      /** @description both revision and branch */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such application (or one the caller may not see), or the revision or branch is not in its repository */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description the application has 5 open previews: retry after Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Preview_requestDraft: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['DraftPreviewRequestDto'];
      };
    };
    responses: {
      /** @description an application not created yet, rendered */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreviewDto'];
        };
      };
      /** @description the application spec is invalid (as for its creation) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      /** @description the spec's project or its rules do not allow it */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such repository or project, or the revision or branch is not in the spec's repository */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Preview_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PreviewDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such preview, one the caller may not see, or one deleted */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
        /** @description only generators of this project (name) */
        project?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GeneratorPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateGeneratorDto'];
      };
    };
    responses: {
      /** @description created, and its applications with it */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GeneratorDetailDto'];
        };
      };
      /** @description an invalid template, glob or selector, or no generator at all */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      /** @description the caller is not an operator of the project */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such repository or project */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description a generator of that name exists */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GeneratorDetailDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such generator (or one the caller may not see) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description deleted; its applications are being removed (their objects left when preserveOnDelete) */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      /** @description the caller is not an operator of the project */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such generator (or one the caller may not see) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateGeneratorDto'];
      };
    };
    responses: {
      /** @description changed; its applications recomputed */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GeneratorDetailDto'];
        };
      };
      /** @description an invalid template, glob or selector */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      /** @description the caller is not an operator of the project */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such generator (or one the caller may not see) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description the change would leave neither directories nor clusters */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Generator_refresh: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        idOrName: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description its applications recomputed now */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['GeneratorDetailDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      /** @description the caller is not an operator of the project */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such generator (or one the caller may not see) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  HealthCheck_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description every rule, by group and kind */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthCheckListDto'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  HealthCheck_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HealthCheckRuleDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthCheckDto'];
        };
      };
      /** @description an invalid rule: the message and `problems` name each field, reason and position */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the group/kind has a rule already, or the hub holds 64 rules */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  HealthCheck_evaluate: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['EvaluateHealthCheckDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthVerdictDto'];
        };
      };
      /** @description an invalid rule: the message and `problems` name each field, reason and position; or an object without apiVersion, kind or metadata.name */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description the caller's or the hub's evaluation budget is spent: retry after Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  HealthCheck_replace: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HealthCheckRuleDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HealthCheckDto'];
        };
      };
      /** @description an invalid rule: the message and `problems` name each field, reason and position */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such rule */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description another rule has that group/kind */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  HealthCheck_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description deleted; agents keep it until their next job of each application */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description no such rule */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  AgentRegistration_register: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegisterRequestDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RegisterResponseDto'];
        };
      };
      400: components['responses']['400'];
      /** @description the registration token is invalid or was already used */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      503: components['responses']['503'];
    };
  };
  Agent_jobs: {
    parameters: {
      query?: {
        /** @description long-poll: seconds to wait for a job */
        waitSeconds?: number;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Agent_bundle: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        digest: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Agent_result: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['JobResultDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReportAckDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Agent_previewResult: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PreviewResultDto'];
      };
    };
    responses: {
      /** @description recorded (recorded: false: this report was already) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReportAckDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      /** @description the preview job is another cluster's */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such preview job */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description already answered, or the preview expired (drop it) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Agent_renewLease: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the lease, renewed from now */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JobLeaseDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      /** @description the job is another cluster's */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description no such job */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description the job is not leased any more (finished, superseded or taken back) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Agent_status: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['StatusReportDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ReportAckDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      /** @description the credential's status budget is spent: nothing recorded, retry after Retry-After seconds */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      503: components['responses']['503'];
    };
  };
  Agent_heartbeat: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HeartbeatDto'];
      };
    };
    responses: {
      /** @description recorded; the hub asks something of the agent */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['HeartbeatAnswerDto'];
        };
      };
      /** @description recorded; nothing to ask */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  FleetStatus_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
        /** @description cluster label selector, the syntax of application targets */
        selector?: string;
        /** @description application id or name */
        application?: string;
        /** @description cluster id or name */
        cluster?: string;
        /** @description sync states, comma-separated: Synced, OutOfSync, Progressing, Failed, Unknown */
        sync?: string;
        /** @description health states, comma-separated: Current, InProgress, Failed, Terminating, NotFound, Unknown */
        health?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FleetStatusPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  FleetStatus_gridWindow: {
    parameters: {
      query?: {
        /** @description cluster label selector, the syntax of application targets */
        selector?: string;
        /** @description only this project's applications (name) and the clusters they target; one the caller holds no role in answers an empty grid */
        project?: string;
        /** @description clusters to keep: all; problem (a cell not Synced and healthy, or disconnected); those with a cell in a state; disconnected ones */
        state?:
          'all' | 'problem' | 'failed' | 'outofsync' | 'progressing' | 'ok' | 'unknown' | 'disconnected';
        /** @description first cluster of the window, by name */
        offset?: number;
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FleetGridDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  FleetStatus_problemSummary: {
    parameters: {
      query?: {
        /** @description cluster label selector, the syntax of application targets */
        selector?: string;
        /** @description only this project's applications (name) and the clusters they target */
        project?: string;
        /** @description cluster label key to group by; default: the key most clusters carry */
        label?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FleetProblemsDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  FleetStatus_problemList: {
    parameters: {
      query?: {
        /** @description cluster label selector, the syntax of application targets */
        selector?: string;
        /** @description only this project's applications (name) */
        project?: string;
        /** @description application id or name */
        application?: string;
        kind?: 'disconnected' | 'failed' | 'degraded' | 'outofsync';
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['FleetProblemListDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubscriptionPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateSubscriptionDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubscriptionDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      /** @description the project or application the filter names does not exist */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubscriptionDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_delete: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        'application/json': components['schemas']['UpdateSubscriptionDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubscriptionDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      413: components['responses']['413'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_rotateSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubscriptionDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_test: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeliveryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_deliveries: {
    parameters: {
      query?: {
        limit?: number;
        /** @description opaque cursor from the previous page (nextCursor) */
        cursor?: string;
        status?: 'pending' | 'delivered' | 'failed';
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeliveryPageDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
  Notification_retry: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        did: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeliveryDto'];
        };
      };
      400: components['responses']['400'];
      401: components['responses']['401'];
      403: components['responses']['403'];
      404: components['responses']['404'];
      409: components['responses']['409'];
      429: components['responses']['429'];
      503: components['responses']['503'];
    };
  };
}
