package io.ipvs4j.netlink.internal.nl;

/**
 * A generic netlink family as the controller reports it.
 *
 * @param name family name, e.g. "IPVS"
 * @param id the dynamic nlmsg_type to address it with
 * @param version the family's protocol version
 * @param maxAttr the highest top-level attribute the family accepts
 */
public record GenlFamily(String name, int id, int version, int maxAttr) {

    /**
     * Resolves {@code name} with CTRL_CMD_GETFAMILY. A family that is not registered answers
     * ENOENT, which arrives as a {@link KernelErrorException}.
     */
    public static GenlFamily resolve(NetlinkConnection connection, String name)
            throws SyscallException, MalformedMessageException, KernelErrorException, DumpInterruptedException {
        MessageWriter w = connection.writer();
        w.clear();
        int seq = connection.nextSeq();
        int start = w.beginMessage(Nl.GENL_ID_CTRL, Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq);
        w.genlHeader(Nl.CTRL_CMD_GETFAMILY, 1);
        w.putString(Nl.CTRL_ATTR_FAMILY_NAME, name);
        w.endMessage(start);
        GenlFamily[] found = new GenlFamily[1];
        connection.execute(seq, (type, flags, buffer, payload, end) -> {
            if (type != Nl.GENL_ID_CTRL || end - payload < Nl.GENL_HDRLEN) {
                throw new MalformedMessageException("unexpected reply type " + type + " to CTRL_CMD_GETFAMILY");
            }
            AttributeCursor attrs = AttributeCursor.over(buffer, payload + Nl.GENL_HDRLEN, end);
            int id = -1;
            int version = 0;
            int maxAttr = 0;
            String familyName = null;
            while (attrs.next()) {
                switch (attrs.type()) {
                    case Nl.CTRL_ATTR_FAMILY_ID -> id = attrs.u16();
                    case Nl.CTRL_ATTR_FAMILY_NAME -> familyName = attrs.string();
                    case Nl.CTRL_ATTR_VERSION -> version = attrs.u32();
                    case Nl.CTRL_ATTR_MAXATTR -> maxAttr = attrs.u32();
                    default -> { }
                }
            }
            if (id < 0 || !name.equals(familyName)) {
                throw new MalformedMessageException("CTRL_CMD_GETFAMILY reply for '" + name + "' lacks the family id or name");
            }
            found[0] = new GenlFamily(familyName, id, version, maxAttr);
        });
        if (found[0] == null) {
            throw new MalformedMessageException("CTRL_CMD_GETFAMILY for '" + name + "' was acknowledged without a reply");
        }
        return found[0];
    }
}
