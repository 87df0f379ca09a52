import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BotRepository, Transactions } from '@inbox/core';

/** The bots' names, for every signed-in person: the timeline says which bot wrote or acted (GET /bots is for admins). */
@ApiTags('web')
@ApiBearerAuth()
@Controller('directory')
export class BotDirectoryController {
  constructor(
    private readonly tx: Transactions,
    private readonly bots: BotRepository,
  ) {}

  @ApiOperation({ summary: "Bots' ids and names" })
  @Get('bots')
  list() {
    return this.bots.names(this.tx.manager);
  }
}
