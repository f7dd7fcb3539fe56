import { z } from 'zod';
import { secretRefSchema } from '../../config/secret.js';
import { channelSchema } from '../channel-config.js';
import { defineChannelKind, httpOptions, withSecret } from '../channel-kind.js';
import { sendTeamsMessage } from '../send-teams.js';
import { renderTeamsCard, renderTeamsDigest } from '../teams-card.js';

/** Teams through a Workflows webhook: cards, one per change or a digest per scan. */
export const teamsKind = defineChannelKind({
  configKey: 'teams',
  description: 'Teams channels, each posting Adaptive Cards to a Workflows webhook.',
  schema: channelSchema({
    webhookUrl: secretRefSchema.meta({
      description:
        'The Teams Workflows webhook ("When a Teams webhook request is received"). A secret: it authorises posting.',
    }),
    mode: z.enum(['perTransition', 'digest']).default('perTransition').meta({
      description:
        '`perTransition`: one card per opened, resolved or reopened incident. `digest`: one card per scan listing every change, trimmed to Teams\' size limit with "and N more".',
    }),
  }),
  mode: (config) => config.mode,
  build(config, context) {
    const { timeoutMs } = context;
    return {
      // One change gets the full card whatever the mode; several make a digest.
      render: (transitions, ctx) => ({
        message:
          transitions.length === 1
            ? renderTeamsCard(transitions[0]!, ctx)
            : renderTeamsDigest(transitions, ctx),
      }),
      send: (rendered) =>
        withSecret(context, config.webhookUrl, `webhook URL for channel ${config.name}`, (webhookUrl) =>
          sendTeamsMessage({
            channel: config.name,
            webhookUrl,
            message: rendered.message,
            timeoutMs,
            ...context.target,
            ...httpOptions(context),
          }),
        ),
    };
  },
  // A Workflows webhook cannot drop a duplicate post.
  canDeduplicate: false,
});

export type TeamsChannelConfig = z.output<typeof teamsKind.schema>;
