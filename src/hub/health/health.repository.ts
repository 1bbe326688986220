import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../database/unit-of-work.js';

/** Database reachability, for /readyz. */
@Injectable()
export class HealthRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  async ping(): Promise<void> {
    await this.ds.query('SELECT 1');
  }
}
