import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from './roles.js';

export class CreateTokenDto {
  @ApiProperty({ example: 'ci-pipeline' })
  @IsString()
  @MinLength(1)
  @MaxLength(63)
  @Matches(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
    message:
      'name must consist of letters, digits, ".", "_" or "-", and start and end with a letter or digit',
  })
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn([...ROLES], { message: `role must be one of: ${ROLES.join(', ')}` })
  role!: Role;
}

export class TokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ description: 'first characters of the secret' }) prefix!: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'the bearer secret; shown once, stored only as a hash' }) token!: string;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] }) items!: TokenDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
