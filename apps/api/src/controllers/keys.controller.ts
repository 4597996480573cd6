import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentCaller, Roles } from '../http/auth.js';
import { ref } from '../http/openapi.js';
import { parseQuery } from '../http/query.js';
import { AuthService, type Caller } from '../services/auth.service.js';

const auditQuery = z
  .object({
    before: z.string().regex(/^\d+$/, 'must be an audit event id').optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    actor: z.string().max(100).optional(),
    action: z.string().max(100).optional(),
  })
  .strict();

@ApiTags('keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1')
export class KeysController {
  constructor(private readonly auth: AuthService) {}

  @Post('keys')
  @ApiOperation({ summary: 'Create an API key or a worker token (admin)', description: 'The secret is in the answer only: it is stored as a digest.' })
  @ApiBody({ schema: ref('CreateKeyRequest') })
  @ApiResponse({ status: 201, schema: ref('CreatedApiKey') })
  @ApiResponse({ status: 400, schema: ref('Error') })
  create(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    return this.auth.create(body, caller);
  }

  @Get('me')
  @Roles('admin', 'submitter', 'viewer')
  @ApiOperation({ summary: 'The key making the request: id, name and role (the dashboard signs in with this)' })
  @ApiResponse({ status: 200, schema: ref('Me') })
  @ApiResponse({ status: 401, schema: ref('Error') })
  me(@CurrentCaller() caller: Caller) {
    return caller.principal;
  }

  @Get('keys')
  @ApiOperation({ summary: 'API keys and worker tokens, without their secrets (admin)' })
  @ApiResponse({ status: 200, schema: ref('ApiKeyList') })
  list() {
    return this.auth.list();
  }

  @Post('keys/:id/revoke')
  @ApiOperation({ summary: 'Revoke a key: it stops working at once (admin)' })
  @ApiResponse({ status: 201, schema: ref('ApiKey') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  @ApiResponse({ status: 409, description: 'Already revoked', schema: ref('Error') })
  revoke(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.auth.revoke(id, caller);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The audit log, newest first (admin)', description: 'Who submitted, cancelled, retried, drained, created or revoked what, when and from where.' })
  @ApiQuery({ name: 'before', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  @ApiQuery({ name: 'actor', required: false, type: String })
  @ApiQuery({ name: 'action', required: false, type: String })
  @ApiResponse({ status: 200, schema: ref('AuditList') })
  audit(@Query() query: unknown) {
    return this.auth.auditLog(parseQuery(auditQuery, query));
  }
}
