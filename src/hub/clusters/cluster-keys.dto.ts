import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RecipientsQueryDto {
  @ApiPropertyOptional({
    description: 'label selector of the clusters to seal for (empty: every cluster the caller may see)',
    example: 'env=prod',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  selector?: string;
}

export class ClusterRecipientDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ description: "the agent's public age (X25519) recipient", example: 'age1…' })
  recipient!: string;
  @ApiProperty({ description: 'first 16 hex digits of the SHA-256 of the recipient (spec.recipients)' })
  fingerprint!: string;
}

export class RecipientListDto {
  @ApiProperty() selector!: string;
  @ApiProperty({ type: [ClusterRecipientDto] }) items!: ClusterRecipientDto[];
  @ApiProperty({
    type: [String],
    description: 'selected clusters whose agent has not sent a key yet: a seal now cannot include them',
  })
  withoutKey!: string[];
}

export class ResealNeededDto {
  @ApiProperty() application!: string;
  @ApiProperty({ type: [String], description: 'SealedSecret object ids sealed to the key being replaced' })
  objects!: string[];
}

export class KeyRotationDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ description: 'fingerprint of the key being replaced' }) fingerprint!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty({
    type: [ResealNeededDto],
    description: "sealed secrets of the cluster's current bundles that include the key being replaced",
  })
  needsReseal!: ResealNeededDto[];
}
