export { MeanReversionBot, type BotExchange, type BotOptions, type BotOrder } from './bot.js';
export { spotConfig, usdmConfig, venueUrls, type VenueClientOptions } from './config.js';
export { MeanReversionRule } from './rule.js';
