"""The app-wide Content-Security-Policy: web.pages sends it with every response, and a page
may widen it for itself (a course video from another origin)."""

#: No inline script anywhere: scripts come from our own static files only. Inline style
#: attributes remain allowed (indentation of tree tables), which cannot run code.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
