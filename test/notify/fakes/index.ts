// Reusable fakes for notify, dispatcher and e2e suites. Each starts on port 0 and has close().
export {
  startSmtpSink,
  type SmtpSink,
  type SmtpSinkBehaviour,
  type SmtpSinkOptions,
  type ReceivedMail,
  type SmtpReply,
} from './smtp-sink.ts';
export {
  startNhnFake,
  type NhnFake,
  type NhnBehaviour,
  type NhnReceived,
  type NhnReportSpec,
  type NhnFakeOptions,
} from './nhn-fake.ts';
export {
  startTwilioFake,
  signTwilio,
  type TwilioFake,
  type TwilioBehaviour,
  type TwilioReceived,
  type TwilioStatusSpec,
} from './twilio-fake.ts';
export { buildDsn, deliverRaw, bounceReceived, type DsnSpec } from './dsn.ts';
export {
  startWebhookReceiver,
  closedPort,
  readBody,
  listen,
  closeServer,
  flatHeaders,
  type WebhookReceiver,
  type WebhookCall,
} from './http.ts';
export { startSlackFake, type SlackFake, type SlackBehaviour, type SlackReceived } from './slack-fake.ts';
export {
  startTelegramFake,
  type TelegramFake,
  type TelegramBehaviour,
  type TelegramReceived,
} from './telegram-fake.ts';
export {
  startAlimtalkFake,
  type AlimtalkFake,
  type AlimtalkBehaviour,
  type AlimtalkOutcome,
  type AlimtalkReceived,
} from './alimtalk-fake.ts';
export { startSignedWebhookReceiver, type SignedWebhookReceiver } from './webhook-receiver.ts';
