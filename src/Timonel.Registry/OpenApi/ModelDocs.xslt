<?xml version="1.0" encoding="utf-8"?>
<!-- Keeps the summaries of k8s.Models types and properties from KubernetesClient.xml as "Member<TAB>summary" lines, whitespace collapsed. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="utf-8" />
  <xsl:template match="/">
    <xsl:for-each select="doc/members/member[starts-with(@name, 'T:k8s.Models.') or starts-with(@name, 'P:k8s.Models.')]">
      <xsl:variable name="summary" select="normalize-space(summary)" />
      <xsl:if test="$summary != ''">
        <xsl:value-of select="substring(@name, 14)" />
        <xsl:value-of select="'&#9;'" />
        <xsl:value-of select="$summary" />
        <xsl:value-of select="'&#10;'" />
      </xsl:if>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
