import type * as Hub from '../../api-types/hub-api.js';

// Types of the applications API, from the OpenAPI document (src/api-types, `npm run openapi`).

/** One target of an application: which clusters, and how to render for them. */
export type Target = Hub.TargetDto;

/** The spec of an application, as `POST /api/v1/applications` takes it (and `app apply` reads it). */
export type ApplicationSpec = Hub.CreateApplicationDto;

/** An application as the hub returns it. */
export type Application = Hub.ApplicationDto;

/** Where an application stands on one cluster. */
export type ClusterStatus = Hub.ClusterStatusDto;

/** `GET /api/v1/applications/:id`: the application and its per-cluster status. */
export type ApplicationDetail = Hub.ApplicationDetailDto;

/** What a sync, rollback or unpin queued. */
export type SyncResult = Hub.SyncResultDto;
