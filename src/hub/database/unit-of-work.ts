import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Tx } from './data-source.js';

/** Injection token of the connected TypeORM data source. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

/**
 * Runs work in one database transaction. Services use it so a change and its audit event
 * commit together or not at all, without knowing about TypeORM.
 */
@Injectable()
export class UnitOfWork {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  /** Runs `work` in a READ COMMITTED transaction; rolls back when it throws. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction((manager) => work(manager as unknown as Tx));
  }
}
