import { z } from 'zod';

/** An IANA time zone name that this Node's Intl knows. */
export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as UTC or Europe/Berlin' },
);

/** A BCP 47 locale that this Node's Intl can format dates in. */
export const localeTag = z.string().refine(
  (tag) => {
    try {
      return Intl.DateTimeFormat.supportedLocalesOf(tag).length > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be a locale such as en-GB, en-US or de-DE' },
);
