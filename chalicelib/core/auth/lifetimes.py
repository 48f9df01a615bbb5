"""How long the platform's tokens live unless a product or a stage says otherwise (declared once: the
Product the authorizer verifies with and the AuthFlows that issue them read these)."""

ACCESS_MINUTES = 60  # an access token; a stage overrides with CRM_ACCESS_TTL_MINUTES
REFRESH_MINUTES = 24 * 60  # a refresh token; CRM_REFRESH_TTL_MINUTES
