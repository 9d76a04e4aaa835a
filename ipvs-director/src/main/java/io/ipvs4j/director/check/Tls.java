package io.ipvs4j.director.check;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for {@code SSL_GET}: client engines that do not verify the certificate (keepalived's
 * SSL_GET without a {@code ca}), driven over the check loop by {@link TlsStream}.
 */
final class Tls {
    private static final SSLContext CONTEXT = context();

    private Tls() {
    }

    private static SSLContext context() {
        TrustManager acceptAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // a health check tests that the server answers, as keepalived's SSL_GET without "ca"
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {acceptAll}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    /**
     * A client engine for a handshake with {@code peer}, sending {@code serverName} as SNI when
     * it is a host name (an address is never sent as SNI, RFC 6066 section 3).
     */
    static SSLEngine engine(String serverName, InetSocketAddress peer) {
        SSLEngine e = CONTEXT.createSSLEngine(peer.getAddress().getHostAddress(), peer.getPort());
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        if (serverName != null && serverName.matches(".*[A-Za-z].*") && !serverName.contains(":")) {
            p.setServerNames(List.of(new SNIHostName(serverName)));
        }
        e.setSSLParameters(p);
        return e;
    }
}
