package io.ipvs4j.director.check;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for {@code SSL_GET}: a client handshake over an already connected socket, within the
 * socket's read timeout, without certificate verification (keepalived's SSL_GET default).
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

    /** Wraps the connected {@code plain} socket and completes the handshake. */
    static SSLSocket wrap(Socket plain, String serverName) throws IOException {
        SSLSocket s = (SSLSocket) CONTEXT.getSocketFactory().createSocket(plain,
                plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        if (serverName != null && serverName.matches(".*[A-Za-z].*") && !serverName.contains(":")) {
            p.setServerNames(List.of(new SNIHostName(serverName)));
        }
        s.setSSLParameters(p);
        s.setUseClientMode(true);
        s.startHandshake();
        return s;
    }
}
