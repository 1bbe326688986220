import { Inject, Injectable } from '@nestjs/common';
import { EgressGuard, GuardedChartDownloader, vendorChartDependencies } from '../../vcs/index.js';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { RepositoryService } from '../repositories/repository.service.js';

/** Adds a chart's declared dependencies that are not vendored under `charts/` (see `vendorChartDependencies`). */
export interface ChartDependencyVendor {
  /**
   * The chart's files plus `charts/<name>-<version>.tgz` for each missing dependency.
   * `mayUse(repositoryName)`: whether the application's project may use a registered chart
   * repository, whose sealed credentials are then sent for dependencies at its URL.
   * Throws a DomainError naming the dependency when one cannot be had.
   */
  vendor(
    chart: ReadonlyMap<string, Buffer>,
    mayUse: (repositoryName: string) => boolean,
  ): Promise<Map<string, Buffer>>;
}

/** Injection token of the {@link ChartDependencyVendor}. */
export const CHART_DEPENDENCY_VENDOR = Symbol('CHART_DEPENDENCY_VENDOR');

/**
 * Dependencies fetched from HTTP chart repositories under the hub's egress policy (the same
 * allow-list as repository reads), with the credentials of a registered Helm repository at the
 * dependency's URL when the application's project may use that repository, else anonymously.
 */
@Injectable()
export class RegisteredChartDependencies implements ChartDependencyVendor {
  private readonly download: GuardedChartDownloader;

  constructor(
    @Inject(RepositoryService) private readonly repositories: RepositoryService,
    @Inject(HUB_CONFIG) config: Pick<HubConfig, 'repositoryAllowedHosts'>,
  ) {
    this.download = new GuardedChartDownloader(new EgressGuard(config.repositoryAllowedHosts));
  }

  vendor(
    chart: ReadonlyMap<string, Buffer>,
    mayUse: (repositoryName: string) => boolean,
  ): Promise<Map<string, Buffer>> {
    return vendorChartDependencies(chart, {
      fetch: this.download,
      credentialsFor: (url) => this.repositories.chartRepositoryCredentials(url, mayUse),
    });
  }
}
