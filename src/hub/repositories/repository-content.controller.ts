import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type Actor } from '../../domain/audit-chain.js';
import { attachmentDisposition } from '../../domain/content-disposition.js';
import { CurrentActor } from '../auth/principal.js';
import { RequireRole } from '../auth/roles.js';
import {
  CommitPageDto,
  CommitResultDto,
  DeleteFileDto,
  FileQueryDto,
  PutFileDto,
  RevisionsQueryDto,
  TreeDto,
  TreeQueryDto,
} from './repository-content.dto.js';
import { RepositoryContentService } from './repository-content.service.js';
import { RepositoryDto } from './repository.dto.js';
import { RepositoryPollerService } from './repository-poller.service.js';

/** Express 5 hands a `*path` wildcard over as its segments. */
function joinPath(segments: string[] | string): string {
  return Array.isArray(segments) ? segments.join('/') : segments;
}

@ApiTags('repositories')
@ApiBearerAuth()
@ApiResponse({
  status: 424,
  description:
    "the repository's server failed: it refused the stored credentials, could not be reached, or is refused by the egress policy",
})
@Controller('api/v1/repositories/:idOrName')
export class RepositoryContentController {
  constructor(
    @Inject(RepositoryContentService) private readonly content: RepositoryContentService,
    @Inject(RepositoryPollerService) private readonly poller: RepositoryPollerService,
  ) {}

  @Get('revisions')
  @ApiOkResponse({ type: CommitPageDto })
  revisions(@Param('idOrName') key: string, @Query() q: RevisionsQueryDto): Promise<CommitPageDto> {
    return this.content.revisions(key, q);
  }

  @Get('tree')
  @ApiOkResponse({ type: TreeDto })
  tree(@Param('idOrName') key: string, @Query() q: TreeQueryDto): Promise<TreeDto> {
    return this.content.tree(key, q);
  }

  /**
   * Raw bytes of a file, always as an octet-stream attachment (with nosniff from the global
   * headers): repository content is untrusted and must never render in the hub's origin.
   */
  @Get('files/*path')
  @ApiParam({ name: 'path', description: 'file path inside the repository' })
  @Header('Content-Type', 'application/octet-stream')
  async read(
    @Param('idOrName') key: string,
    @Param('path') path: string[],
    @Query() q: FileQueryDto,
  ): Promise<StreamableFile> {
    const file = await this.content.read(key, joinPath(path), q.revision);
    return new StreamableFile(file.content, {
      type: 'application/octet-stream',
      disposition: attachmentDisposition(joinPath(path)),
    });
  }

  @Put('files/*path')
  @RequireRole('operator')
  @ApiParam({ name: 'path', description: 'file path inside the repository' })
  @ApiOkResponse({ type: CommitResultDto })
  put(
    @Param('idOrName') key: string,
    @Param('path') path: string[],
    @Body() dto: PutFileDto,
    @CurrentActor() actor: Actor,
  ): Promise<CommitResultDto> {
    return this.content.put(key, joinPath(path), dto, actor);
  }

  @Delete('files/*path')
  @RequireRole('operator')
  @ApiParam({ name: 'path', description: 'file path inside the repository' })
  @ApiOkResponse({ type: CommitResultDto })
  remove(
    @Param('idOrName') key: string,
    @Param('path') path: string[],
    @Body() dto: DeleteFileDto,
    @CurrentActor() actor: Actor,
  ): Promise<CommitResultDto> {
    return this.content.remove(key, joinPath(path), dto, actor);
  }

  @Post('refresh')
  // Refresh changes no resource into being: it answers the repository as it is now.
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOkResponse({ type: RepositoryDto })
  refresh(@Param('idOrName') key: string): Promise<RepositoryDto> {
    return this.poller.refreshNow(key);
  }
}
