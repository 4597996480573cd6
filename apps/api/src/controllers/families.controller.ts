import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FamiliesService } from '../services/families.service.js';
import { ref } from '../http/openapi.js';
import { CurrentCaller, Roles } from '../http/auth.js';
import { AuthService, type Caller } from '../services/auth.service.js';
import { limitQuery, parseQuery } from '../http/query.js';

const listQuery = limitQuery(500);

@ApiTags('families')
@Controller('v1/families')
export class FamiliesController {
  constructor(
    private readonly families: FamiliesService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Train an anchor family',
    description: 'One train run per member (smallest first); the family is ready to stitch when all of them succeeded.',
  })
  @ApiBody({ schema: ref('CreateFamilyRequest') })
  @ApiResponse({ status: 201, schema: ref('Family') })
  @ApiResponse({ status: 400, schema: ref('Error') })
  async create(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    const family = await this.families.create(body, caller.principal.id);
    await this.auth.audit(caller, 'family.create', family.id, { members: family.members.map((m) => m.preset) });
    return family;
  }

  @Get()
  @ApiOperation({ summary: 'List families, newest first' })
  @listQuery.openApi()
  @ApiResponse({ status: 200, schema: ref('FamilyList') })
  list(@Query() query: unknown) {
    return this.families.list(parseQuery(listQuery.schema, query).limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A family with its members, their train runs and anchors' })
  @ApiResponse({ status: 200, schema: ref('Family') })
  @ApiResponse({ status: 404, schema: ref('Error') })
  get(@Param('id') id: string) {
    return this.families.get(id);
  }
}
