import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Transactions } from '@inbox/core';

/**
 * Names for the web app: every signed-in agent needs to show who a conversation is
 * assigned to, but the full user list (GET /users) is for coordinators and admins.
 */
@ApiTags('web')
@ApiBearerAuth()
@Controller('directory')
export class DirectoryController {
  constructor(private readonly tx: Transactions) {}

  @Get('users')
  users(): Promise<Array<{ id: string; name: string; role: string; active: boolean }>> {
    return this.tx.manager.query<Array<{ id: string; name: string; role: string; active: boolean }>>(`SELECT id, name, role, active FROM users ORDER BY name`);
  }
}
