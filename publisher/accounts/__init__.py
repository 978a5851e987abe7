"""Member accounts: emailed sign-in links, browser sessions, and the account page's logic."""
