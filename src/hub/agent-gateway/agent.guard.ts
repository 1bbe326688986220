import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import { UnauthenticatedError } from '../../domain/errors.js';
import { SECRETS, type Secrets } from '../platform/secrets.js';
import { AgentCredentialCache } from './agent-credential-cache.service.js';
import { AgentPresence } from './agent-presence.service.js';

/** The cluster whose agent is calling. */
export interface AgentCluster {
  id: string;
  name: string;
  /** Hash of the credential the agent called with (a long-poll re-checks it on wake-up). */
  credentialHash: string;
  /** The age recipient stored for the cluster when the call arrived. */
  ageRecipient?: string | null;
  /** Whether an operator asked for a new age identity that has not arrived yet. */
  ageKeyRotationRequested?: boolean;
  /** The row as the call found it: what presence compares with before writing anything. */
  connectionState?: string;
  lastSeenAt?: Date | null;
  agentVersion?: string | null;
  kubernetesVersion?: string | null;
  apiVersions?: string[] | null;
}

interface AgentRequest {
  headers: Record<string, string | undefined>;
  agentCluster?: AgentCluster;
}

/**
 * Authenticates an agent by its cluster credential; a cluster sees only its own work. Every
 * authenticated call counts as the agent being seen, whatever the route.
 */
@Injectable()
export class AgentGuard implements CanActivate {
  constructor(
    @Inject(AgentCredentialCache) private readonly credentials: AgentCredentialCache,
    @Inject(SECRETS) private readonly secrets: Secrets,
    @Inject(AgentPresence) private readonly presence: AgentPresence,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AgentRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match)
      throw new UnauthenticatedError('missing agent credential: send "Authorization: Bearer <credential>"');
    const credentialHash = this.secrets.hashToken(match[1]);
    const cluster = await this.credentials.find(credentialHash);
    if (!cluster)
      throw new UnauthenticatedError(
        'unknown or revoked agent credential: register the agent again with a new registration token',
      );
    req.agentCluster = {
      id: cluster.id,
      name: cluster.name,
      credentialHash,
      ageRecipient: cluster.ageRecipient,
      ageKeyRotationRequested: cluster.ageKeyRotationRequestedAt !== null,
      connectionState: cluster.connectionState,
      lastSeenAt: cluster.lastSeenAt,
      agentVersion: cluster.agentVersion,
      kubernetesVersion: cluster.kubernetesVersion,
      apiVersions: cluster.apiVersions,
    };
    await this.presence.seen(req.agentCluster);
    return true;
  }
}

/** Injects the calling agent's cluster. */
export const CurrentCluster = createParamDecorator((_: unknown, ctx: ExecutionContext): AgentCluster => {
  const c = ctx.switchToHttp().getRequest<AgentRequest>().agentCluster;
  if (!c) throw new Error('CurrentCluster used on a route without AgentGuard');
  return c;
});
