import { Module } from '@nestjs/common';
import { MentionsController } from './mentions.controller';

/** @mentions of teammates in private notes (issue 20): the caller's mentions list and read marks. */
@Module({ controllers: [MentionsController] })
export class MentionsModule {}
