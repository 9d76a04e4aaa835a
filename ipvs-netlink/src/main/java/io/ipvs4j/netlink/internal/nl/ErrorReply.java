package io.ipvs4j.netlink.internal.nl;

import java.nio.ByteBuffer;

/**
 * A parsed {@code struct nlmsgerr} (linux/netlink.h): the error (0 = ACK), the header of the
 * request it answers, and the extended-ack message if the kernel attached one.
 *
 * @param errno positive errno, 0 for an ACK
 * @param requestSeq nlmsg_seq of the request this answers
 * @param message the NLMSGERR_ATTR_MSG text, or null
 */
public record ErrorReply(int errno, int requestSeq, String message) {

    /** Parses the payload {@code [payload, end)} of an NLMSG_ERROR message with the given flags. */
    public static ErrorReply parse(ByteBuffer buffer, int payload, int end, int flags) throws MalformedMessageException {
        if (end - payload < 4 + Nl.NLMSG_HDRLEN) {
            throw new MalformedMessageException("NLMSG_ERROR of " + (end - payload)
                    + " bytes is shorter than struct nlmsgerr (20)");
        }
        int error = buffer.getInt(payload);
        int echoed = payload + 4;
        int echoedLength = buffer.getInt(echoed);
        int requestSeq = buffer.getInt(echoed + 8);
        String message = null;
        if ((flags & Nl.NLM_F_ACK_TLVS) != 0) {
            int tlvs;
            if ((flags & Nl.NLM_F_CAPPED) != 0) {
                tlvs = echoed + Nl.NLMSG_HDRLEN;
            } else {
                if (echoedLength < Nl.NLMSG_HDRLEN || echoedLength > end - echoed) {
                    throw new MalformedMessageException("NLMSG_ERROR echoes a request of length "
                            + Integer.toUnsignedString(echoedLength) + " but holds " + (end - echoed) + " bytes");
                }
                tlvs = echoed + Nl.align(echoedLength);
            }
            if (tlvs < end) {
                AttributeCursor attrs = AttributeCursor.over(buffer, tlvs, end);
                while (attrs.next()) {
                    if (attrs.type() == Nl.NLMSGERR_ATTR_MSG) {
                        message = attrs.string();
                    }
                }
            }
        }
        if (error > 0) {
            throw new MalformedMessageException("NLMSG_ERROR carries a positive error " + error);
        }
        return new ErrorReply(-error, requestSeq, message);
    }
}
