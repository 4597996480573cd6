import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { describeCatalog } from '@anchorage/contracts';
import { ref } from '../http/openapi.js';

@ApiTags('runs')
@Controller('v1/catalog')
export class CatalogController {
  // The catalog is fixed at build time: describe it once.
  private readonly catalog = describeCatalog();

  @Get()
  @ApiOperation({ summary: 'The job kinds with their spec schemas (JSON Schema), for forms and clients' })
  @ApiResponse({ status: 200, schema: ref('Catalog') })
  get() {
    return this.catalog;
  }
}
