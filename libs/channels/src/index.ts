export * from './api/api-channel.adapter';
export * from './channels.module';
