<?xml version="1.0" encoding="UTF-8"?>
<!--
  How a browser shows one of our feeds (feeds carry <?xml-stylesheet href="/feeds/feed.xsl"?>;
  podcast apps ignore it). A private feed says it is private and never prints its own URL,
  nor any URL from inside it: the only place the link shows is the address bar.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
  xmlns:atom="http://www.w3.org/2005/Atom"
  exclude-result-prefixes="itunes atom">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat"/>
  <xsl:variable name="private" select="/rss/channel/itunes:block = 'Yes'"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="referrer" content="no-referrer"/>
        <title><xsl:value-of select="/rss/channel/title"/> (podcast feed)</title>
        <style>
          body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
          h1 { color: #b0245a; }
          .notice { background: #fdf1f5; border-left: 4px solid #b0245a; padding: .5rem 1rem; }
          code { word-break: break-all; background: #f4f4f4; padding: .1rem .3rem; }
          .meta { color: #555; font-size: .9rem; }
          a:focus { outline: 3px solid #f4a; outline-offset: 2px; }
        </style>
      </head>
      <body>
        <main>
          <h1><xsl:value-of select="/rss/channel/title"/></h1>
          <xsl:choose>
            <xsl:when test="$private">
              <p class="notice"><strong>This is your private link: don't share it.</strong>
                It is a podcast feed made for you alone: anyone who has it can listen as you.</p>
              <h2>Add it to your podcast app</h2>
              <ol>
                <li>Copy this page's address from your browser's address bar.</li>
                <li>In your podcast app, choose "Add by URL" (Apple Podcasts: Library, then
                  Follow a Show by URL) and paste it.</li>
              </ol>
              <p>Your account page has one-tap buttons and a QR code for every season:
                <a href="/account">your account</a>.</p>
            </xsl:when>
            <xsl:otherwise>
              <p>This is a podcast feed: <xsl:value-of select="/rss/channel/description"/></p>
              <h2>Add it to your podcast app</h2>
              <p>Copy this address into your podcast app's "Add by URL" (or search for the show):</p>
              <p><code><xsl:value-of select="/rss/channel/atom:link[@rel='self']/@href"/></code></p>
              <p><a href="/">The show, its players and memberships</a></p>
            </xsl:otherwise>
          </xsl:choose>
          <h2>Episodes</h2>
          <ul>
            <xsl:for-each select="/rss/channel/item">
              <li>
                <xsl:choose>
                  <xsl:when test="not($private)">
                    <a href="{link}"><xsl:value-of select="title"/></a>
                  </xsl:when>
                  <xsl:otherwise><xsl:value-of select="title"/></xsl:otherwise>
                </xsl:choose>
                <span class="meta"> · <xsl:value-of select="substring(pubDate, 6, 11)"/></span>
              </li>
            </xsl:for-each>
          </ul>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
