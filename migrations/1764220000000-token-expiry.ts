import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API tokens get an expiry. Tokens that exist already keep working (null: never expires), so an
 * upgrade locks nobody out; new tokens default to 90 days in the service.
 */
export class TokenExpiry1764220000000 implements MigrationInterface {
  name = 'TokenExpiry1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_tokens DROP COLUMN expires_at`);
  }
}
