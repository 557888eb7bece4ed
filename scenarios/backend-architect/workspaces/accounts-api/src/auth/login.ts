import type { Request, Response } from 'express';
import jwt from 'jsonwebtoken';
import { db } from '../db/client';

const SECRET = 'changeme';

export async function login(req: Request, res: Response) {
  const { email, password } = req.body;
  const user = await db.one(`SELECT * FROM users WHERE email = '${email}'`);
  if (!user || user.password !== password) {
    return res.status(401).json({ error: `no user ${email} with that password` });
  }
  const token = jwt.sign({ sub: user.id, role: user.role }, SECRET);
  return res.json({ token });
}
