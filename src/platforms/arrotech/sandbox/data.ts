/** The sandbox's fixed world: connectable platforms, bridged tools, workflow templates, LLM providers. */
export const PLATFORMS = [
  { id: 'slack', name: 'Slack', tier: 'free', tools: ['slack_send_message'] },
  { id: 'hubspot', name: 'HubSpot', tier: 'free', tools: ['hubspot_deals_list'] },
  { id: 'whatsapp', name: 'WhatsApp', tier: 'free', tools: ['whatsapp_send_message'] },
  { id: 'salesforce', name: 'Salesforce', tier: 'professional', tools: [] },
];

/** The bridged tools: their schemas (required arguments) and the connection they need. */
export const TOOLS: Record<string, { description: string; required: string[]; platform?: string }> = {
  echo: { description: 'Echo the text back.', required: ['text'] },
  slack_send_message: { description: 'Send a message to a Slack channel.', required: ['channel', 'text'], platform: 'slack' },
  hubspot_deals_list: { description: 'List recent HubSpot deals.', required: [], platform: 'hubspot' },
  whatsapp_send_message: { description: 'Send a WhatsApp message.', required: ['to', 'text'], platform: 'whatsapp' },
};

export const TEMPLATES = [
  { id: 'slack-daily-digest', name: 'Daily Slack digest', category: 'communication', difficulty: 'beginner', connections: ['slack'], featured: true, uses: 42, steps: [{ tool: 'slack_send_message', parameters: { channel: '#general', text: '{{summary}}' } }] },
  { id: 'hubspot-deal-alerts', name: 'HubSpot deal alerts', category: 'sales', difficulty: 'intermediate', connections: ['hubspot', 'slack'], featured: false, uses: 17, steps: [{ tool: 'hubspot_deals_list', parameters: {} }, { tool: 'slack_send_message', parameters: { channel: '#sales', text: '{{deals}}' } }] },
];

export const PROVIDERS = ['openai', 'anthropic', 'ollama'];

/** A binary attachment (the PNG signature and a few bytes): a client must not hand it to the model as text. */
export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xfe]);
