"""The app-wide Content-Security-Policy: web.pages sends it with every response, and a page
may widen it for itself (a course video from another origin)."""

#: No inline script anywhere: scripts come from our own static files only. Inline style
#: attributes remain allowed (indentation of tree tables), which cannot run code.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def with_sources(directive: str, *sources: str, policy: str = CSP) -> str:
    """The policy with `sources` added to one directive (a page that frames a video player or plays
    a video from another origin widens only its own policy, by exactly that origin). A directive
    the policy lacks is added with 'self' and the sources."""
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    for index, part in enumerate(parts):
        name, *values = part.split()
        if name == directive:
            parts[index] = " ".join([name, *values, *(s for s in sources if s not in values)])
            return "; ".join(parts)
    return "; ".join([*parts, " ".join([directive, "'self'", *sources])])
