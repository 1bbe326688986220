import { Module } from '@nestjs/common';
import { ApplicationRepository } from './application.repository.js';

/**
 * The application table on its own, so that dispatch (which the application service depends
 * on) can finish an application's deletion when its last removal job ends.
 */
@Module({ providers: [ApplicationRepository], exports: [ApplicationRepository] })
export class ApplicationStoreModule {}
