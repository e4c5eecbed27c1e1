import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { generateApiKey } from '@mu/platform';
import { DB, type Db } from '../db/db.module';
import { CallerOf, type Caller } from '../http/auth';
import { NotFoundError } from '../http/errors';
import { PageQuery, toPage } from '../http/pagination';

class CreateApiKeyDto {
  @ApiPropertyOptional({ default: 'default' }) @IsOptional() @IsString() @Length(1, 128) name?: string;
}

export class ApiKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'the first characters of the secret' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'shown once; store it now' }) secret!: string;
}

type KeyRow = { id: string; name: string; prefix: string; created_at: Date; revoked_at: Date | null };
const toDto = (r: KeyRow): ApiKeyDto => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** API keys of the caller's tenant. The secret exists only in the create response. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(DB) private readonly db: Db) {}

  @Post()
  async create(@CallerOf() caller: Caller, @Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const key = generateApiKey();
    const row = await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        tenant_id: caller.tenantId,
        name: body.name ?? 'default',
        prefix: key.prefix,
        secret_hash: key.hash,
      })
      .returning(['id', 'name', 'prefix', 'created_at', 'revoked_at'])
      .executeTakeFirstOrThrow();
    return { ...toDto(row), secret: key.secret };
  }

  @Get()
  async list(@CallerOf() caller: Caller, @Query() page: PageQuery) {
    let q = this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'created_at', 'revoked_at'])
      .where('tenant_id', '=', caller.tenantId);
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('id')
        .limit(page.limit + 1)
        .execute(),
      page.limit,
      toDto,
    );
  }

  /** Revoke: the key stops working at once. Revoking twice keeps the first time. */
  @Delete(':id')
  @HttpCode(200)
  async revoke(@CallerOf() caller: Caller, @Param('id') id: string): Promise<ApiKeyDto> {
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('tenant_id', '=', caller.tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'prefix', 'created_at', 'revoked_at'])
      .where('tenant_id', '=', caller.tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('api key', id);
    return toDto(row);
  }
}
