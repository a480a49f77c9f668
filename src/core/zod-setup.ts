import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// cpo validates with zod/mini, not classic zod: classic (~780 KB with every locale, methods on
// every schema) costs more start-up time than the rest of a command. Mini validates the same way
// but installs no defaults, so classic's two are installed here, the way classic does it (only
// when the host application has not set its own): English messages, which the error texts rely
// on, and the memoizer that lets a cyclic value fail cleanly. Every module with a schema imports
// this one for that effect.
if (!z.config().localeError) z.config(en())
if (!z.config().memoizer) z.config({ memoizer: z.memoizer() })
