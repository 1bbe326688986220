import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { PageQueryDto } from '../common/list-query.dto.js';
import { IsDns1123Label, IsLabelMap, IsOmittable } from '../common/validators.js';

const LABELS_EXAMPLE = { env: 'prod', region: 'eu' };

/** The guardrail a cluster's agent is installed with (see docs/agent-protocol.md). */
export class ClusterGuardrailDto {
  @ApiProperty({
    type: [String],
    example: ['team-a', 'team-a-staging'],
    description:
      'exact namespaces objects may land in; the agent gets Roles in these and its own namespace only (unless allowClusterScoped)',
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'guardrail.allowedNamespaces needs at least one namespace' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    each: true,
    message: 'guardrail.allowedNamespaces entries must be namespace names (DNS-1123 labels, no globs)',
  })
  allowedNamespaces!: string[];

  @ApiPropertyOptional({
    default: false,
    description:
      'allow cluster-scoped kinds (Namespace, CRDs, ClusterRoles…); the agent then keeps cluster-wide RBAC',
  })
  @IsOmittable()
  @IsBoolean()
  allowClusterScoped?: boolean;

  @ApiPropertyOptional({ type: [String], example: ['Secret', 'rbac.authorization.k8s.io/*'] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(317, { each: true })
  @Matches(/^((\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/)?(\*|[A-Za-z][A-Za-z0-9]*)$/, {
    each: true,
    message: 'guardrail.deniedKinds entries must be group/Kind (Secret, rbac.authorization.k8s.io/*)',
  })
  deniedKinds?: string[];
}

export class CreateClusterDto {
  @ApiProperty({ example: 'prod-eu-1', description: 'DNS-1123 label, unique' })
  @IsDns1123Label()
  name!: string;

  @ApiPropertyOptional({ example: LABELS_EXAMPLE, type: 'object', additionalProperties: { type: 'string' } })
  @IsOmittable()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    type: ClusterGuardrailDto,
    description:
      'the guardrail its agent is installed with: the join commands and agent manifest carry it and narrow the agent RBAC to it. Absent: none, cluster-wide RBAC',
  })
  @IsOmittable()
  @ValidateNested()
  @Type(() => ClusterGuardrailDto)
  guardrail?: ClusterGuardrailDto;
}

export class UpdateClusterDto {
  @ApiPropertyOptional({
    example: LABELS_EXAMPLE,
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'replaces the whole label set',
  })
  @IsOmittable()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;
}

export class ListClustersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'env=prod,tier!=edge,region in (eu,us)',
    pattern: LABEL_SELECTOR_SOURCE,
  })
  @IsOmittable()
  @IsString()
  @MaxLength(4096)
  selector?: string;
}

export class ClusterDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ enum: ['Pending', 'Connected', 'Disconnected'] }) connectionState!: string;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) agentVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) kubernetesVersion!: string | null;
  @ApiProperty() registered!: boolean;
  @ApiProperty({ type: ClusterGuardrailDto, nullable: true }) guardrail!: ClusterGuardrailDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class RegistrationDto {
  @ApiProperty({ description: 'one-time token the agent exchanges for its credential' }) token!: string;
  @ApiProperty() expiresAt!: string;
}

export class JoinCommandsDto {
  @ApiProperty({
    description: 'installs the agent with the Helm chart (helm/flotilla-agent) and the registration token',
    example:
      'helm upgrade --install flotilla-agent helm/flotilla-agent --namespace flotilla-system --create-namespace --set hubUrl=https://flotilla.example.com --set registrationToken.value=fltreg_…',
  })
  helm!: string;

  @ApiProperty({
    description:
      'applies the agent manifest; fetching it issues a fresh registration token, revoking the one in `helm`',
    example:
      'curl -fsSL -H "Authorization: Bearer $FLOTILLA_TOKEN" https://flotilla.example.com/api/v1/clusters/prod-eu-1/agent-manifest | kubectl apply -f -',
  })
  kubectl!: string;
}

export class ClusterWithRegistrationDto extends ClusterDto {
  @ApiProperty({ type: RegistrationDto }) registration!: RegistrationDto;
  @ApiProperty({ type: JoinCommandsDto, description: 'commands that install the agent in the cluster' })
  join!: JoinCommandsDto;
}

export class AgentManifestQueryDto {
  @ApiPropertyOptional({ example: 'flotilla-system', description: 'namespace of the agent (DNS-1123 label)' })
  @IsOmittable()
  @IsDns1123Label()
  namespace?: string;

  @ApiPropertyOptional({
    example: 'registry.example.com/flotilla-agent:0.1.0',
    description: 'agent image; default ghcr.io/flotilla/flotilla-agent:<hub version>',
  })
  @IsOmittable()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, { message: 'image must be an image reference' })
  image?: string;
}

export class ClusterPageDto {
  @ApiProperty({ type: [ClusterDto] }) items!: ClusterDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
