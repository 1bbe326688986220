import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { LABEL_SELECTOR_SOURCE } from '../../domain/label-selector.js';
import { IsOmittable } from '../common/validators.js';

export class RecipientsQueryDto {
  @ApiPropertyOptional({
    description: 'label selector of the clusters to seal for (empty: every cluster the caller may see)',
    example: 'env=prod',
    pattern: LABEL_SELECTOR_SOURCE,
    maxLength: 1024,
  })
  @IsOmittable()
  @IsString()
  // Shorter than a list's 4096: a query string over 16 KiB (4096 characters of %-encoded UTF-8)
  // never reaches the validation, Node answers 431; 1024 is plenty for the selector of a seal.
  @MaxLength(1024)
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
