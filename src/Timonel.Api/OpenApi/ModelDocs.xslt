<?xml version="1.0" encoding="utf-8"?>
<!-- Keeps the summaries of k8s.Models types and properties from KubernetesClient.xml, whitespace collapsed. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="no" encoding="utf-8" />
  <xsl:template match="/">
    <d>
      <xsl:for-each select="doc/members/member[starts-with(@name, 'T:k8s.Models.') or starts-with(@name, 'P:k8s.Models.')]">
        <m n="{substring(@name, 14)}"><xsl:value-of select="normalize-space(summary)" /></m>
      </xsl:for-each>
    </d>
  </xsl:template>
</xsl:stylesheet>
